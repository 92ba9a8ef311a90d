using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Batches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "batch_id",
                table: "refunds",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "idempotency_scope",
                table: "refunds",
                type: "character varying(48)",
                maxLength: 48,
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "terminal_id",
                table: "idempotency_records",
                type: "character varying(48)",
                maxLength: 48,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(10)",
                oldMaxLength: 10);

            migrationBuilder.AddColumn<string>(
                name: "batch_id",
                table: "charges",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "batches",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    terminal_id = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    device_id = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    merchant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    opened_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    report_json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_batches", x => x.id);
                    table.ForeignKey(
                        name: "fk_batches_merchants_merchant_id",
                        column: x => x.merchant_id,
                        principalTable: "merchants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_batches_terminals_terminal_id",
                        column: x => x.terminal_id,
                        principalTable: "terminals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_refunds_batch_id",
                table: "refunds",
                column: "batch_id",
                filter: "batch_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_refunds_open_batch",
                table: "refunds",
                column: "charge_id",
                filter: "batch_id IS NULL AND status = 'approved'");

            migrationBuilder.CreateIndex(
                name: "ix_charges_batch_id",
                table: "charges",
                column: "batch_id",
                filter: "batch_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_charges_open_batch",
                table: "charges",
                column: "terminal_id",
                filter: "batch_id IS NULL AND status IN ('approved', 'cancelled')");

            migrationBuilder.CreateIndex(
                name: "ix_batches_merchant_id_closed_at_id",
                table: "batches",
                columns: new[] { "merchant_id", "closed_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_batches_terminal_id_closed_at",
                table: "batches",
                columns: new[] { "terminal_id", "closed_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "batches");

            migrationBuilder.DropIndex(
                name: "ix_refunds_batch_id",
                table: "refunds");

            migrationBuilder.DropIndex(
                name: "ix_refunds_open_batch",
                table: "refunds");

            migrationBuilder.DropIndex(
                name: "ix_charges_batch_id",
                table: "charges");

            migrationBuilder.DropIndex(
                name: "ix_charges_open_batch",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "batch_id",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "idempotency_scope",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "batch_id",
                table: "charges");

            migrationBuilder.AlterColumn<string>(
                name: "terminal_id",
                table: "idempotency_records",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(48)",
                oldMaxLength: 48);
        }
    }
}
