using System.Globalization;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The paging of every backoffice list (PROTOCOL §10.15): <c>limit</c> 1–100 (default 50), newest first, and an opaque
/// keyset cursor "microseconds since the epoch.id" of the last row of the page, so a page never skips or repeats a row
/// when rows are added meanwhile.
/// </summary>
public static class PageQuery
{
    public const int DefaultLimit = 50;

    /// <summary>The <c>limit</c> parameter; a malformed or out-of-range one is named in <paramref name="fields"/>.</summary>
    public static int Limit(IQueryCollection query, Dictionary<string, string> fields)
    {
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var value) &&
            (!int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            fields["limit"] = "limit must be an integer from 1 to 100.";
        }

        return limit;
    }

    public static string Cursor(DateTimeOffset at, string id) => string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks / 10}.{id}");

    public static bool TryParseCursor(string cursor, out DateTimeOffset at, out string id)
    {
        at = default;
        id = "";
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(cursor.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var micros) ||
            micros > DateTimeOffset.MaxValue.UtcTicks / 10 || cursor.Length - dot - 1 is < 1 or > 32)
        {
            return false;
        }

        at = new DateTimeOffset(micros * 10, TimeSpan.Zero);
        id = cursor[(dot + 1)..];
        return true;
    }
}
