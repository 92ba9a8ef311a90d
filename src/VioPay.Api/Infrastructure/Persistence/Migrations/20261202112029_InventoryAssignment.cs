using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InventoryAssignment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "assigned_merchant_id",
                table: "devices",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_devices_assigned_merchant_id",
                table: "devices",
                column: "assigned_merchant_id");

            migrationBuilder.AddForeignKey(
                name: "fk_devices_merchants_assigned_merchant_id",
                table: "devices",
                column: "assigned_merchant_id",
                principalTable: "merchants",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_devices_merchants_assigned_merchant_id",
                table: "devices");

            migrationBuilder.DropIndex(
                name: "ix_devices_assigned_merchant_id",
                table: "devices");

            migrationBuilder.DropColumn(
                name: "assigned_merchant_id",
                table: "devices");
        }
    }
}
