using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>
/// Day close (PROTOCOL §11.7). The open batch of a terminal is implicit: its charges and refunds with a null
/// <c>batch_id</c>, so the charge path writes nothing for it and gets no slower. A close, in one transaction under a
/// per-terminal advisory lock, inserts the closed batch, stamps its id on the open batch's approved and cancelled charges
/// and approved refunds, computes the report from exactly the rows it stamped and stores it with the batch. A charge that
/// becomes approved after the stamp (or a refund approved after it) simply belongs to the next batch.
/// </summary>
public sealed class BatchOperations(VioPayDbContext db, IdempotencyKeys keys, TimeProvider time)
{
    public const string CloseRoute = "POST /pos/batch/close";

    // A voided pre-authorization (cancelled, never captured) never became approved, so it belongs to no batch (§11.7):
    // only charges that were sales, still approved or cancelled since, are taken. The tip is part of the amount.
    private const string SweepCharges = """
        UPDATE charges SET batch_id = @batch
        WHERE terminal_id = @terminal AND batch_id IS NULL AND status IN ('approved', 'cancelled')
            AND NOT (authorization_type = 'pre' AND captured_at IS NULL)
        RETURNING id, status, amount_minor, coalesce(tip_minor, 0)::bigint AS tip_minor, currency, card_brand
        """;

    // Approved refunds only: a pending refund (the acquirer has not answered) stays out and joins the batch that is open
    // when it is approved; a declined one never joins a batch.
    private const string SweepRefunds = """
        UPDATE refunds r SET batch_id = @batch FROM charges c
        WHERE c.id = r.charge_id AND c.terminal_id = @terminal AND r.batch_id IS NULL AND r.status = 'approved'
        RETURNING r.id, r.amount_minor, r.currency
        """;

    public async Task<PosAnswer> CloseAsync(PosTerminalContext terminal, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var input = BatchValidation.Validate(plaintext);
        var terminalId = terminal.TerminalId;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        IdempotencyRecord? record = null;
        if (idempotencyKey is not null)
        {
            // Claimed in the close's own transaction: a racing twin waits for it, then replays its answer.
            record = keys.New(terminalId, idempotencyKey, CloseRoute, plaintext, time.GetUtcNow());
            db.IdempotencyRecords.Add(record);
            if (!await keys.TrySaveNewAsync(cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return await keys.ReplayAsync(terminalId, idempotencyKey, record.RequestFingerprint, cancellationToken);
            }
        }

        // One close at a time per terminal. An advisory lock, not a lock on the terminal's row, which every charge insert
        // takes FOR KEY SHARE (its foreign key): charges go on while a close runs.
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_advisory_xact_lock(hashtextextended({"viopay:batch-close:" + terminalId}, 0))", cancellationToken);
        var previous = await db.Batches.Where(b => b.TerminalId == terminalId).MaxAsync(b => (DateTimeOffset?)b.ClosedAt, cancellationToken);
        var openedAt = previous ?? await db.Terminals.Where(t => t.Id == terminalId).Select(t => t.CreatedAt).SingleAsync(cancellationToken);
        var now = Seconds(time.GetUtcNow());
        var batch = new Batch
        {
            Id = SecureIds.NewBatchId(),
            TerminalId = terminalId,
            DeviceId = terminal.Device.Id,
            MerchantId = terminal.Device.MerchantId!.Value,
            OpenedAt = openedAt,
            ClosedAt = now < openedAt ? openedAt : now,
            ReportJson = "{}",
        };
        db.Batches.Add(batch);
        await db.SaveChangesAsync(cancellationToken);

        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        var charges = await ReadAsync(connection, dbTransaction, SweepCharges, batch.Id, terminalId, r =>
            new BatchChargeRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), r.GetString(5)), cancellationToken);
        var refunds = await ReadAsync(connection, dbTransaction, SweepRefunds, batch.Id, terminalId, r =>
            new BatchRefundRow(r.GetString(0), r.GetInt64(1), r.GetString(2)), cancellationToken);
        var openAuthorizations = await db.Charges.CountAsync(c => c.TerminalId == terminalId && c.Status == ChargeStatus.Authorized,
            cancellationToken);

        var report = BatchTotals.Report(batch.Id, batch.OpenedAt, batch.ClosedAt, charges.OrderBy(c => c.Id, StringComparer.Ordinal).ToList(),
            refunds, openAuthorizations, input);
        batch.ReportJson = JsonSerializer.Serialize(report, PosEnvelopes.PlaintextJson);
        if (record is not null)
        {
            record.ResourceId = batch.Id;
            IdempotencyKeys.Complete(record, batch.ReportJson);
        }

        EventOutbox.Raise(db, time, batch.MerchantId, EventTypes.BatchClosed, Backoffice.BatchQueries.View(batch));

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PosAnswer(batch.ReportJson, false);
    }

    /// <summary>Cancel after close (PROTOCOL §11.7): the charge is settled with its batch, so the way back is a refund.</summary>
    public static ApiException ClosedBatch(string batchId) => ApiException.Conflict(
        "The charge's batch is closed: refund it instead", new Dictionary<string, object?> { ["batch_id"] = batchId });

    private static DateTimeOffset Seconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static async Task<List<T>> ReadAsync<T>(DbConnection connection, DbTransaction transaction, string sql, string batchId,
        string terminalId, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "batch", batchId);
        Add(command, "terminal", terminalId);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static void Add(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
