using System.ComponentModel.DataAnnotations;

namespace VioPay.Api.Sessions;

public enum AuthMode
{
    /// <summary>RS256 tokens signed by the API itself with a key kept under the LMK (scripts/run, tests).</summary>
    Local,

    /// <summary>Tokens from Keycloak (production).</summary>
    Keycloak,
}

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.Local;

    /// <summary>The <c>aud</c> every accepted token must carry.</summary>
    [Required]
    public string Audience { get; set; } = "viopay-api";

    [Range(60, 3600)]
    public int TokenLifetimeSeconds { get; set; } = 300;

    public LocalAuthOptions Local { get; set; } = new();

    public KeycloakOptions Keycloak { get; set; } = new();
}

public sealed class LocalAuthOptions
{
    [Required]
    public string Issuer { get; set; } = "https://api.viopay.io/local";
}

public sealed class KeycloakOptions
{
    /// <summary>The realm URL, e.g. <c>https://auth.viopay.io/realms/viopay</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The confidential client the API uses to obtain tokens for merchant API clients.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>
    /// The client the merchant portal signs users in with (authorization-code flow with PKCE, redirect URI
    /// <c>{api}/portal/signin-oidc</c>); <see cref="ClientId"/> and <see cref="ClientSecret"/> when not set.
    /// </summary>
    public string? PortalClientId { get; set; }

    public string? PortalClientSecret { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;
}
