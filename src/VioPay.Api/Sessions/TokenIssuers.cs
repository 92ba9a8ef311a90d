using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Sessions;

public sealed record IssuedToken(string AccessToken, int ExpiresIn);

/// <summary>Obtains an access token for a subject; Keycloak in production, the API itself locally.</summary>
public interface ITokenIssuer
{
    Task<IssuedToken> IssueAsync(string subject, string? clientId, CancellationToken cancellationToken);
}

public sealed class LocalTokenIssuer(LocalSigningKey key, IOptions<AuthOptions> options, TimeProvider time) : ITokenIssuer
{
    public async Task<IssuedToken> IssueAsync(string subject, string? clientId, CancellationToken cancellationToken)
    {
        var auth = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["jti"] = Guid.NewGuid().ToString("N") };
        if (clientId is not null)
        {
            claims["client_id"] = clientId;
        }

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Local.Issuer,
            Audience = auth.Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(auth.TokenLifetimeSeconds),
            SigningCredentials = new SigningCredentials(await key.GetAsync(cancellationToken), SecurityAlgorithms.RsaSha256),
        });
        return new IssuedToken(token, auth.TokenLifetimeSeconds);
    }
}

/// <summary>
/// Client-credentials grant against the realm's token endpoint, with the API's own confidential
/// client: the merchant's secret is checked against our verifier and never leaves the API.
/// </summary>
public sealed class KeycloakTokenIssuer(HttpClient http, IOptions<AuthOptions> options, ILogger<KeycloakTokenIssuer> logger) : ITokenIssuer
{
    public async Task<IssuedToken> IssueAsync(string subject, string? clientId, CancellationToken cancellationToken)
    {
        var keycloak = options.Value.Keycloak;
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = keycloak.ClientId ?? "",
            ["client_secret"] = keycloak.ClientSecret ?? "",
        });
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync($"{keycloak.Authority!.TrimEnd('/')}/protocol/openid-connect/token", form, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            logger.LogWarning("Keycloak token endpoint unreachable: {Reason}", e.Message);
            throw ApiException.DependencyUnavailable("keycloak");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Keycloak token endpoint answered {Status}", (int)response.StatusCode);
                throw ApiException.DependencyUnavailable("keycloak");
            }

            var body = await response.Content.ReadFromJsonAsync<KeycloakTokenResponse>(cancellationToken);
            if (body?.AccessToken is not { Length: > 0 } token)
            {
                throw ApiException.DependencyUnavailable("keycloak");
            }

            return new IssuedToken(token, body.ExpiresIn > 0 ? body.ExpiresIn : options.Value.TokenLifetimeSeconds);
        }
    }

    private sealed record KeycloakTokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
