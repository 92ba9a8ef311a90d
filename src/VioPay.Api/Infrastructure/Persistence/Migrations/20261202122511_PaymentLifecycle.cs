using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PaymentLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_status",
                table: "charges");

            migrationBuilder.AddColumn<string>(
                name: "authorization_type",
                table: "charges",
                type: "character varying(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "final");

            migrationBuilder.AddColumn<long>(
                name: "authorized_minor",
                table: "charges",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "captured_at",
                table: "charges",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "expires_at",
                table: "charges",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "first_authorized_minor",
                table: "charges",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "pending_amount_minor",
                table: "charges",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pending_operation",
                table: "charges",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "pending_since",
                table: "charges",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "pending_tip_minor",
                table: "charges",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "tip_minor",
                table: "charges",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "acquirer_reversals",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "reversal");

            migrationBuilder.CreateIndex(
                name: "ix_charges_expires_at",
                table: "charges",
                column: "expires_at",
                filter: "status = 'authorized'");

            migrationBuilder.CreateIndex(
                name: "ix_charges_pending_since",
                table: "charges",
                column: "pending_since",
                filter: "pending_operation IS NOT NULL");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_authorization_type",
                table: "charges",
                sql: "authorization_type IN ('final', 'pre')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_pending_operation",
                table: "charges",
                sql: "pending_operation IS NULL OR pending_operation IN ('capture', 'increment')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_status",
                table: "charges",
                sql: "status IN ('pending', 'approved', 'declined', 'authorized', 'cancelled', 'expired')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_tip_bounded",
                table: "charges",
                sql: "tip_minor IS NULL OR (tip_minor >= 0 AND tip_minor <= amount_minor)");

            migrationBuilder.AddCheckConstraint(
                name: "ck_acquirer_reversals_kind",
                table: "acquirer_reversals",
                sql: "kind IN ('reversal', 'void', 'release')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_charges_expires_at",
                table: "charges");

            migrationBuilder.DropIndex(
                name: "ix_charges_pending_since",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_authorization_type",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_pending_operation",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_status",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_charges_tip_bounded",
                table: "charges");

            migrationBuilder.DropCheckConstraint(
                name: "ck_acquirer_reversals_kind",
                table: "acquirer_reversals");

            migrationBuilder.DropColumn(
                name: "authorization_type",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "authorized_minor",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "captured_at",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "expires_at",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "first_authorized_minor",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "pending_amount_minor",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "pending_operation",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "pending_since",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "pending_tip_minor",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "tip_minor",
                table: "charges");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "acquirer_reversals");

            migrationBuilder.AddCheckConstraint(
                name: "ck_charges_status",
                table: "charges",
                sql: "status IN ('pending', 'approved', 'declined', 'cancelled')");
        }
    }
}
