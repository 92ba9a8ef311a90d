using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Fleet : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "device_presence",
                columns: table => new
                {
                    device_id = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    app_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    battery_percent = table.Column<int>(type: "integer", nullable: true),
                    network = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    queued_transactions = table.Column<int>(type: "integer", nullable: true),
                    offline_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_device_presence", x => x.device_id);
                    table.CheckConstraint("ck_device_presence_battery_percent", "battery_percent BETWEEN 0 AND 100");
                    table.ForeignKey(
                        name: "fk_device_presence_devices_device_id",
                        column: x => x.device_id,
                        principalTable: "devices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_device_presence_last_seen_at",
                table: "device_presence",
                column: "last_seen_at",
                filter: "offline_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "device_presence");
        }
    }
}
