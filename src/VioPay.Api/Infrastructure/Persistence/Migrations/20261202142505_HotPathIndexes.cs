using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VioPay.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class HotPathIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // CONCURRENTLY, outside the migration's transaction: charges keep being written while a large table is
            // indexed. A run interrupted half-way is safe to repeat: an index left invalid by a failed build is dropped first.
            migrationBuilder.Sql("DROP INDEX CONCURRENTLY IF EXISTS ix_charges_pending;", suppressTransaction: true);
            migrationBuilder.Sql(
                "CREATE INDEX CONCURRENTLY ix_charges_pending ON charges (created_at) WHERE status = 'pending';",
                suppressTransaction: true);
            migrationBuilder.Sql("DROP INDEX CONCURRENTLY IF EXISTS ix_charges_status_created_at;", suppressTransaction: true);

            // Applies to pages written from now on; existing pages keep their fill.
            migrationBuilder.AlterTable(
                name: "idempotency_records")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_charges_pending",
                table: "charges");

            migrationBuilder.AlterTable(
                name: "idempotency_records")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateIndex(
                name: "ix_charges_status_created_at",
                table: "charges",
                columns: new[] { "status", "created_at" });
        }
    }
}
