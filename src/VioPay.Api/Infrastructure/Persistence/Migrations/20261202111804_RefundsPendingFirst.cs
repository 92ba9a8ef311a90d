using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RefundsPendingFirst : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "refunds",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "decline_code",
                table: "refunds",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "last_error",
                table: "refunds",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "refunds",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "updated_at",
                table: "refunds",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // Refunds written before this migration were completed in one transaction: they were approved then.
            migrationBuilder.Sql("UPDATE refunds SET updated_at = created_at, next_attempt_at = created_at;");

            migrationBuilder.CreateIndex(
                name: "ix_refunds_next_attempt_at",
                table: "refunds",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.AddCheckConstraint(
                name: "ck_refunds_status",
                table: "refunds",
                sql: "status IN ('pending', 'approved', 'declined')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_refunds_next_attempt_at",
                table: "refunds");

            migrationBuilder.DropCheckConstraint(
                name: "ck_refunds_status",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "decline_code",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "last_error",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "refunds");

            migrationBuilder.DropColumn(
                name: "updated_at",
                table: "refunds");
        }
    }
}
