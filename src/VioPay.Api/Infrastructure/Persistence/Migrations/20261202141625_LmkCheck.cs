using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class LmkCheck : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "lmk_record",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    kcv = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    rotating_to_kcv = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    rotation_started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_lmk_record", x => x.id);
                    table.CheckConstraint("ck_lmk_record_singleton", "id = 1");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "lmk_record");
        }
    }
}
