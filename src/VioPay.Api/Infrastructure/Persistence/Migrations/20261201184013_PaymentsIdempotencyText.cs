using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PaymentsIdempotencyText : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_charges_terminal_id_idempotency_key",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_status",
                table: "charges");

            migrationBuilder.AlterColumn<string>(
                name: "response_json",
                table: "idempotency_records",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldNullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_charges_terminal_id_idempotency_key",
                table: "charges",
                columns: new[] { "terminal_id", "idempotency_key" },
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_status",
                table: "charges",
                sql: "status IN ('pending', 'approved', 'declined', 'cancelled')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_charges_terminal_id_idempotency_key",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_status",
                table: "charges");

            migrationBuilder.AlterColumn<string>(
                name: "response_json",
                table: "idempotency_records",
                type: "jsonb",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_charges_terminal_id_idempotency_key",
                table: "charges",
                columns: new[] { "terminal_id", "idempotency_key" },
                unique: true,
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_status",
                table: "charges",
                sql: "status IN ('pending', 'approved', 'declined', 'cancelled', 'failed')");
        }
    }
}
