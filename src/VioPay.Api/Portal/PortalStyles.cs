using Microsoft.Net.Http.Headers;

namespace VioPay.Api.Portal;

/// <summary>
/// The portal's one stylesheet, checked in as <c>Portal/portal.css</c> and embedded in the assembly, so it is served the
/// same whatever the working directory or the publish layout.
/// </summary>
public static class PortalStyles
{
    private static readonly Lazy<(byte[] Bytes, string ETag)> Css = new(() =>
    {
        using var stream = typeof(PortalStyles).Assembly.GetManifestResourceStream("VioPay.Api.Portal.portal.css")
            ?? throw new InvalidOperationException("Portal/portal.css is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return (bytes, "\"" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16] + "\"");
    });

    public static IResult Serve(HttpContext http)
    {
        var (bytes, etag) = Css.Value;
        http.Response.Headers[HeaderNames.ETag] = etag;
        http.Response.Headers[HeaderNames.CacheControl] = "public, max-age=3600";
        http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        if (http.Request.Headers.IfNoneMatch == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(bytes, "text/css; charset=utf-8");
    }
}
