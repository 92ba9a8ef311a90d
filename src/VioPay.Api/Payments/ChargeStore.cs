using Npgsql;
using NpgsqlTypes;
using VioPay.Api.Events;

namespace VioPay.Api.Payments;

/// <summary>
/// The two writes of a charge, each one SQL statement and so one round trip, atomic on its own (PostgreSQL runs a
/// statement with data-modifying CTEs as a whole or not at all). EF's SaveChanges would send each as a batch plus a
/// separate COMMIT; on the busiest path that is two round trips saved per charge, with no change tracking. Column
/// names are the EF model's (snake_case), checked by every payments test.
/// </summary>
public sealed class ChargeStore(NpgsqlDataSource dataSource)
{
    private const string InsertCharge = """
        INSERT INTO charges (id, terminal_id, device_id, merchant_id, status, amount_minor, currency, refunded_minor, card_brand,
            card_first6, card_last4, card_fingerprint, entry_mode, cardholder_verification_method, stan, authorization_code, rrn,
            decline_code, idempotency_key, key_set_id, authorization_type, tip_minor, created_at, updated_at)
        VALUES (@id, @terminal_id, @device_id, @merchant_id, @status, @amount_minor, @currency, 0, @card_brand,
            @card_first6, @card_last4, @card_fingerprint, @entry_mode, @cvm, @stan, NULL, NULL,
            @decline_code, @idempotency_key, @key_set_id, @authorization_type, @tip_minor, @created_at, @created_at)
        """;

    // The key is claimed in the same statement: a twin's INSERT waits for this one and then fails on the primary key.
    private const string ClaimKey = """
        claimed AS (
            INSERT INTO idempotency_records (terminal_id, key, request_fingerprint, state, resource_id, response_status, response_json,
                created_at, expires_at)
            VALUES (@terminal_id, @idempotency_key, @request_fingerprint, @state, @id, @response_status, @response_json, @created_at, @expires_at))
        """;

    // A charge written with its outcome already (an expired card) reports it in the same statement (PROTOCOL §13.2).
    private const string RaiseOnInsert = """
        raised AS (
            INSERT INTO events (id, merchant_id, type, created_at, data_json)
            VALUES (@event_id, @merchant_id, @event_type, @event_created_at, @event_data))
        """;

    private const string InsertChargeWithKey = "WITH " + ClaimKey + "\n" + InsertCharge;
    private const string InsertChargeWithEvent = "WITH " + RaiseOnInsert + "\n" + InsertCharge;
    private const string InsertChargeWithKeyAndEvent = "WITH " + ClaimKey + ",\n" + RaiseOnInsert + "\n" + InsertCharge;

    // The outcome is written only onto a charge that is still pending: if the sweep got there first, nothing changes
    // here and its outcome stands. The idempotency record, an owed reversal and the outcome's event (the webhooks'
    // outbox, PROTOCOL §13.2) follow the charge, or nothing does: still one statement, one round trip.
    private const string Complete = """
        WITH completed AS (
            UPDATE charges SET status = @status, authorization_code = @authorization_code, rrn = @rrn, decline_code = @decline_code,
                authorized_minor = @authorized_minor, first_authorized_minor = @authorized_minor, expires_at = @expires_at,
                updated_at = @updated_at
            WHERE id = @id AND status = 'pending'
            RETURNING id),
        answered AS (
            UPDATE idempotency_records SET state = 'completed', response_status = 200, response_json = @response_json
            WHERE @has_key AND terminal_id = @terminal_id AND key = @idempotency_key AND EXISTS (SELECT 1 FROM completed)),
        owed AS (
            INSERT INTO acquirer_reversals (charge_id, reason, kind, attempts, created_at, next_attempt_at)
            SELECT id, @reversal_reason, 'reversal', 0, @updated_at, @updated_at FROM completed WHERE @reversal),
        raised AS (
            INSERT INTO events (id, merchant_id, type, created_at, data_json)
            SELECT @event_id, @merchant_id, @event_type, @event_created_at, @event_data FROM completed WHERE @has_event)
        SELECT count(*) FROM completed
        """;

    /// <summary>Writes the charge (and claims its key); false when the key was already claimed, and then nothing is written.</summary>
    public async Task<bool> InsertAsync(Charge charge, IdempotencyRecord? record, OutboxEvent? outcome, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand((record, outcome) switch
        {
            (null, null) => InsertCharge,
            (null, _) => InsertChargeWithEvent,
            (_, null) => InsertChargeWithKey,
            _ => InsertChargeWithKeyAndEvent,
        });
        var p = command.Parameters;
        p.AddWithValue("id", charge.Id);
        p.AddWithValue("terminal_id", charge.TerminalId);
        p.AddWithValue("device_id", charge.DeviceId);
        p.AddWithValue("merchant_id", charge.MerchantId);
        p.AddWithValue("status", charge.Status);
        p.AddWithValue("amount_minor", charge.AmountMinor);
        p.AddWithValue("currency", charge.Currency);
        p.AddWithValue("card_brand", charge.CardBrand);
        p.AddWithValue("card_first6", charge.CardFirst6);
        p.AddWithValue("card_last4", charge.CardLast4);
        p.AddWithValue("card_fingerprint", charge.CardFingerprint);
        p.AddWithValue("entry_mode", (object?)charge.EntryMode ?? DBNull.Value);
        p.AddWithValue("cvm", (object?)charge.CardholderVerificationMethod ?? DBNull.Value);
        p.AddWithValue("stan", charge.Stan);
        p.AddWithValue("decline_code", (object?)charge.DeclineCode ?? DBNull.Value);
        p.AddWithValue("idempotency_key", (object?)charge.IdempotencyKey ?? DBNull.Value);
        p.AddWithValue("key_set_id", charge.KeySetId);
        p.AddWithValue("authorization_type", charge.AuthorizationType);
        p.Add(new NpgsqlParameter("tip_minor", NpgsqlDbType.Bigint) { Value = (object?)charge.TipMinor ?? DBNull.Value });
        p.AddWithValue("created_at", charge.CreatedAt);
        if (record is not null)
        {
            p.AddWithValue("request_fingerprint", record.RequestFingerprint);
            p.AddWithValue("state", record.State);
            p.AddWithValue("response_status", (object?)record.ResponseStatus ?? DBNull.Value);
            p.Add(new NpgsqlParameter("response_json", NpgsqlDbType.Text) { Value = (object?)record.ResponseJson ?? DBNull.Value });
            p.AddWithValue("expires_at", record.ExpiresAt);
        }

        if (outcome is not null)
        {
            AddEvent(p, outcome);
        }

        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == Idempotency.PrimaryKey)
        {
            return false;
        }
    }

    /// <summary>Records the acquirer's outcome; false when the charge was no longer pending (the sweep reversed it).</summary>
    public async Task<bool> CompleteAsync(Charge charge, string? responseJson, string? reversalReason, OutboxEvent? outcome,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Complete);
        var p = command.Parameters;
        p.AddWithValue("id", charge.Id);
        p.AddWithValue("status", charge.Status);
        p.AddWithValue("authorization_code", (object?)charge.AuthorizationCode ?? DBNull.Value);
        p.AddWithValue("rrn", (object?)charge.Rrn ?? DBNull.Value);
        p.AddWithValue("decline_code", (object?)charge.DeclineCode ?? DBNull.Value);
        p.Add(new NpgsqlParameter("authorized_minor", NpgsqlDbType.Bigint) { Value = (object?)charge.AuthorizedMinor ?? DBNull.Value });
        p.Add(new NpgsqlParameter("expires_at", NpgsqlDbType.TimestampTz) { Value = (object?)charge.ExpiresAt ?? DBNull.Value });
        p.AddWithValue("updated_at", charge.UpdatedAt);
        p.AddWithValue("has_key", charge.IdempotencyKey is not null);
        p.AddWithValue("terminal_id", charge.TerminalId);
        p.Add(new NpgsqlParameter("idempotency_key", NpgsqlDbType.Varchar) { Value = (object?)charge.IdempotencyKey ?? DBNull.Value });
        p.Add(new NpgsqlParameter("response_json", NpgsqlDbType.Text) { Value = (object?)responseJson ?? DBNull.Value });
        p.AddWithValue("reversal", reversalReason is not null);
        p.Add(new NpgsqlParameter("reversal_reason", NpgsqlDbType.Varchar) { Value = (object?)reversalReason ?? DBNull.Value });
        p.AddWithValue("has_event", outcome is not null);
        p.AddWithValue("merchant_id", charge.MerchantId);
        AddEvent(p, outcome);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    /// <summary>The event's columns; typed, so that a statement that writes no event still plans.</summary>
    private static void AddEvent(NpgsqlParameterCollection p, OutboxEvent? outcome)
    {
        p.Add(new NpgsqlParameter("event_id", NpgsqlDbType.Varchar) { Value = (object?)outcome?.Id ?? DBNull.Value });
        p.Add(new NpgsqlParameter("event_type", NpgsqlDbType.Varchar) { Value = (object?)outcome?.Type ?? DBNull.Value });
        p.Add(new NpgsqlParameter("event_created_at", NpgsqlDbType.TimestampTz) { Value = (object?)outcome?.CreatedAt ?? DBNull.Value });
        p.Add(new NpgsqlParameter("event_data", NpgsqlDbType.Json) { Value = (object?)outcome?.DataJson ?? DBNull.Value });
    }
}
