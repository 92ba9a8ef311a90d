using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Infrastructure.Telemetry;
using VioPay.Crypto;

namespace VioPay.Api.Events;

/// <summary>
/// Runs on every instance, every <c>Webhooks:PollIntervalMs</c> (PROTOCOL §13.2). First it fans out events not yet
/// dispatched into one delivery per subscribed endpoint, then it sends the deliveries that are due. Both take their rows
/// with <c>FOR UPDATE SKIP LOCKED</c>, so instances share the work: the fan-out of an event commits with its
/// <c>dispatched_at</c> in one statement, and a taken delivery is leased (its <c>next_attempt_at</c> moved past the send)
/// with its attempt counted, so no other instance sends the same attempt. A crash mid-send leaves the delivery to be taken
/// again when the lease ends: at least once, never lost.
/// </summary>
public sealed class WebhookDispatcher(NpgsqlDataSource dataSource, IHttpClientFactory clients, LocalMasterKey lmk,
    IOptions<WebhookOptions> options, TimeProvider time, VioPayMetrics metrics, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    public const string EventIdHeader = "VioPay-Event-Id";

    // The events not fanned out yet, oldest first, locked so that another instance skips them; the deliveries and the
    // dispatched mark are one statement, so both commit or neither does. An event goes to the endpoints that existed when
    // it happened, whenever the fan-out runs. A ping was delivered to its one endpoint when
    // it was written (WebhookEndpointsApi), and is written already dispatched.
    private const string FanOut = """
        WITH batch AS (
            SELECT id, merchant_id, type, created_at FROM events WHERE dispatched_at IS NULL
            ORDER BY sequence LIMIT @limit FOR UPDATE SKIP LOCKED),
        fanned AS (
            INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, next_attempt_at, created_at)
            SELECT b.id, w.id, 'pending', 0, @now, @now FROM batch b
            JOIN webhook_endpoints w ON w.merchant_id = b.merchant_id AND w.deleted_at IS NULL AND b.type <> 'ping'
                AND w.created_at <= b.created_at
                AND (w.events @> ARRAY['*']::text[] OR w.events @> ARRAY[b.type]::text[])
            ON CONFLICT (event_id, endpoint_id) DO NOTHING
            RETURNING 1),
        marked AS (
            UPDATE events e SET dispatched_at = @now FROM batch b WHERE e.id = b.id RETURNING 1)
        SELECT (SELECT count(*) FROM marked) AS events, (SELECT count(*) FROM fanned) AS deliveries
        """;

    // Due deliveries, leased until @lease and their attempt counted, with what sending them needs.
    private const string Take = """
        UPDATE webhook_deliveries d SET next_attempt_at = @lease, attempts = d.attempts + 1
        FROM (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= @now
              ORDER BY next_attempt_at LIMIT @limit FOR UPDATE SKIP LOCKED) due, events e, webhook_endpoints w
        WHERE d.id = due.id AND e.id = d.event_id AND w.id = d.endpoint_id
        RETURNING d.id, d.attempts, d.created_at, e.id, e.type, e.created_at, e.data_json::text, w.id, w.url, w.secret_block,
            w.deleted_at IS NOT NULL
        """;

    // The attempt is always recorded; the delivery moves only if this instance still holds it (same attempt count).
    private const string Record = """
        WITH attempt AS (
            INSERT INTO webhook_delivery_attempts (delivery_id, event_id, endpoint_id, attempted_at, status_code, error)
            SELECT @id, @event_id, @endpoint_id, @attempted_at, @status_code, @error WHERE @sent)
        UPDATE webhook_deliveries SET status = @status, next_attempt_at = @next_attempt_at, completed_at = @completed_at
        WHERE id = @id AND status = 'pending' AND attempts = @attempts
        """;

    // Events past their retention, taken from the oldest (the sequence index) so a round reads at most @limit rows
    // whatever the table's size; one whose delivery is still pending is kept. Deliveries and attempts go with them
    // (ON DELETE CASCADE). SKIP LOCKED: instances purging at the same moment do not wait on each other.
    private const string Purge = """
        DELETE FROM events e USING (
            SELECT id FROM events ORDER BY sequence LIMIT @limit FOR UPDATE SKIP LOCKED) oldest
        WHERE e.id = oldest.id AND e.created_at < @cutoff AND e.dispatched_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
        """;

    private const int PurgeBatch = 1000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    private sealed record Due(long Id, int Attempts, DateTimeOffset CreatedAt, string EventId, string Type, DateTimeOffset EventCreatedAt,
        string DataJson, string EndpointId, string Url, string SecretBlock, bool EndpointDeleted);

    private sealed record Outcome(int? StatusCode, string? Error)
    {
        public bool Delivered => StatusCode is >= 200 and < 300;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PollIntervalMs));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // A full batch means more is waiting: go again at once rather than a tick later.
                while (await RunOnceAsync(stoppingToken) >= options.Value.BatchSize)
                {
                }

                if (options.Value.EventRetentionDays > 0 && time.GetUtcNow() >= _nextPurge)
                {
                    _nextPurge = time.GetUtcNow() + PurgeInterval;
                    var purged = await PurgeAsync(stoppingToken);
                    if (purged > 0)
                    {
                        logger.LogInformation("Purged {Events} events older than {Days} days", purged, options.Value.EventRetentionDays);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (Infrastructure.Errors.ApiExceptionHandler.IsDependencyFailure(e))
            {
                logger.LogWarning("Webhook dispatch skipped a round: {Reason} {SqlState}", e.GetType().Name, (e as PostgresException)?.SqlState);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A background service that throws stops the host; one bad round must not stop this instance.
                logger.LogError(e, "Webhook dispatch round failed; the next round runs as usual");
            }
        }
    }

    /// <summary>One round: fan out, then send what is due. Answers how many deliveries were sent (tests call it directly).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await FanOutAsync(cancellationToken);
        var due = await TakeAsync(cancellationToken);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallel, CancellationToken = cancellationToken },
            async (delivery, _) => await DeliverAsync(delivery));
        return due.Count;
    }

    /// <summary>
    /// Deletes events older than <c>Webhooks:EventRetentionDays</c> that have nothing left to deliver, with their deliveries
    /// and attempts, a batch at a time (at most ten batches a call). Answers how many events went (tests call it directly).
    /// </summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        if (options.Value.EventRetentionDays <= 0)
        {
            return 0;
        }

        var cutoff = time.GetUtcNow().AddDays(-options.Value.EventRetentionDays);
        var total = 0;
        for (var round = 0; round < 10; round++)
        {
            await using var command = dataSource.CreateCommand(Purge);
            command.Parameters.AddWithValue("limit", PurgeBatch);
            command.Parameters.AddWithValue("cutoff", cutoff);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < PurgeBatch)
            {
                break;
            }
        }

        return total;
    }

    private async Task FanOutAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FanOut);
        command.Parameters.AddWithValue("limit", options.Value.BatchSize * 4);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<Due>> TakeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand(Take);
        command.Parameters.AddWithValue("now", now);
        // Past the last send of the round with room to record it, so no other instance takes a delivery this one will
        // still send: the round sends BatchSize deliveries MaxParallel at a time, each wave up to TimeoutSeconds long.
        var o = options.Value;
        var waves = (o.BatchSize + o.MaxParallel - 1) / o.MaxParallel;
        command.Parameters.AddWithValue("lease", now.AddSeconds(waves * (o.TimeoutSeconds + 5) + 30));
        command.Parameters.AddWithValue("limit", options.Value.BatchSize);
        var due = new List<Due>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new Due(reader.GetInt64(0), reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7), reader.GetString(8),
                reader.GetString(9), reader.GetBoolean(10)));
        }

        return due;
    }

    private async Task DeliverAsync(Due delivery)
    {
        if (delivery.EndpointDeleted)
        {
            // Fanned out just as its endpoint was deleted: nothing is sent to a deleted endpoint.
            await RecordAsync(delivery, null, DeliveryStatus.Cancelled);
            metrics.WebhookDelivery(DeliveryStatus.Cancelled);
            return;
        }

        var outcome = await SendAsync(delivery);
        var now = time.GetUtcNow();
        string status;
        if (outcome.Delivered)
        {
            status = DeliveryStatus.Delivered;
        }
        else
        {
            var next = now + options.Value.RetryDelay(delivery.Attempts);
            status = next > delivery.CreatedAt.AddHours(options.Value.GiveUpAfterHours) ? DeliveryStatus.Failed : DeliveryStatus.Pending;
            if (status == DeliveryStatus.Failed)
            {
                logger.LogWarning("Webhook delivery of {EventId} to {EndpointId} given up after {Attempts} attempts",
                    delivery.EventId, delivery.EndpointId, delivery.Attempts);
            }
        }

        await RecordAsync(delivery, outcome, status);
        metrics.WebhookDelivery(status == DeliveryStatus.Pending ? "retrying" : status);
    }

    private async Task<Outcome> SendAsync(Due delivery)
    {
        var body = Body(delivery);
        byte[] secret;
        try
        {
            secret = lmk.Unprotect(StoredKeys.WebhookSecret(delivery.EndpointId), delivery.SecretBlock);
        }
        catch (StoredKeyException e)
        {
            // A block that does not open as this endpoint's secret (tampered with, or moved from another row): nothing is
            // sent unsigned; the attempt is recorded, and retried like any other failure.
            logger.LogError("Webhook secret of {EndpointId} refused: {Reason}", delivery.EndpointId, e.Error);
            return new Outcome(null, "stored_key_invalid");
        }

        string signature;
        try
        {
            signature = WebhookSignature.Header(secret, time.GetUtcNow().ToUnixTimeSeconds(), body);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(EventIdHeader, delivery.EventId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, signature);
        var client = clients.CreateClient(HttpClientName);
        try
        {
            // Only the status counts: the receiver's body is not read.
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
            return new Outcome((int)response.StatusCode, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or WebhookRefusedException)
        {
            var error = Describe(e);
            logger.LogInformation("Webhook delivery of {EventId} to {EndpointId} failed: {Error}", delivery.EventId, delivery.EndpointId, error);
            return new Outcome(null, error);
        }
    }

    private string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookRefusedException refused)
            {
                return refused.Reason;
            }
        }

        if (e is TaskCanceledException)
        {
            return $"timeout: no answer within {options.Value.TimeoutSeconds} s";
        }

        var text = e is HttpRequestException http ? $"{ToSnake(http.HttpRequestError.ToString())}: {e.Message}" : e.Message;
        return text.Length <= 200 ? text : text[..200];
    }

    private static string ToSnake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private async Task RecordAsync(Due delivery, Outcome? outcome, string status)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand(Record);
        var p = command.Parameters;
        p.AddWithValue("id", delivery.Id);
        p.AddWithValue("attempts", delivery.Attempts);
        p.AddWithValue("event_id", delivery.EventId);
        p.AddWithValue("endpoint_id", delivery.EndpointId);
        p.AddWithValue("attempted_at", now);
        p.AddWithValue("sent", outcome is not null);
        p.Add(new NpgsqlParameter("status_code", NpgsqlDbType.Integer) { Value = (object?)outcome?.StatusCode ?? DBNull.Value });
        p.Add(new NpgsqlParameter("error", NpgsqlDbType.Varchar) { Value = (object?)outcome?.Error ?? DBNull.Value });
        p.AddWithValue("status", status);
        p.AddWithValue("next_attempt_at", status == DeliveryStatus.Pending ? now + options.Value.RetryDelay(delivery.Attempts) : now);
        p.Add(new NpgsqlParameter("completed_at", NpgsqlDbType.TimestampTz)
        {
            Value = status == DeliveryStatus.Pending ? DBNull.Value : now,
        });
        // Recorded whatever the host's shutdown says: the attempt happened.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary><c>{ "id", "type", "created_at", "data" }</c>, <c>data</c> spliced in as stored.</summary>
    private static byte[] Body(Due delivery)
    {
        var buffer = new ArrayBufferWriter<byte>(delivery.DataJson.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", delivery.EventId);
            writer.WriteString("type", delivery.Type);
            writer.WritePropertyName("created_at");
            JsonSerializer.Serialize(writer, delivery.EventCreatedAt, EventOutbox.Json);
            writer.WritePropertyName("data");
            writer.WriteRawValue(delivery.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
