using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Sessions;

public static class AuthenticationExtensions
{
    private const string DependencyFailureKey = "viopay.auth.dependency-failure";

    /// <summary>
    /// Bearer tokens for the backoffice: one JwtBearer pipeline whatever the issuer, fed by
    /// Keycloak's metadata/JWKS in production or by the local signing key otherwise. Issuer,
    /// audience, lifetime and signature are always checked; unsigned (<c>alg: none</c>) tokens never pass.
    /// </summary>
    public static WebApplicationBuilder AddBackofficeAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Mode != AuthMode.Keycloak ||
                    (!string.IsNullOrWhiteSpace(o.Keycloak.Authority) && !string.IsNullOrWhiteSpace(o.Keycloak.ClientId) &&
                     !string.IsNullOrWhiteSpace(o.Keycloak.ClientSecret)),
                "Auth:Mode=Keycloak needs Auth:Keycloak:Authority, Auth:Keycloak:ClientId and Auth:Keycloak:ClientSecret.")
            .ValidateOnStart();

        var mode = builder.Configuration.GetValue<AuthMode?>("Auth:Mode") ?? AuthMode.Local;
        builder.Services.AddSingleton<LocalSigningKey>();
        builder.Services.AddSingleton<LocalTokenConfiguration>();
        if (mode == AuthMode.Keycloak)
        {
            // Keycloak calls get the standard resilience pipeline (timeouts, retries with jitter,
            // circuit breaker) from Microsoft.Extensions.Http.Resilience rather than hand-written retries.
            builder.Services.AddHttpClient<ITokenIssuer, KeycloakTokenIssuer>().AddStandardResilienceHandler();
        }
        else
        {
            builder.Services.AddSingleton<ITokenIssuer, LocalTokenIssuer>();
        }

        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddScoped<ClientCredentials>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, LocalTokenConfiguration>((jwt, auth, local) => Configure(jwt, auth.Value, local));
        builder.Services.AddAuthorization();
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth, LocalTokenConfiguration local)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "sub",
        };
        if (auth.Mode == AuthMode.Keycloak)
        {
            jwt.Authority = auth.Keycloak.Authority;
            jwt.RequireHttpsMetadata = auth.Keycloak.RequireHttpsMetadata;
        }
        else
        {
            jwt.ConfigurationManager = local;
            jwt.TokenValidationParameters.ValidIssuer = auth.Local.Issuer;
        }

        jwt.Events = new JwtBearerEvents
        {
            OnAuthenticationFailed = context =>
            {
                // The issuer's metadata could not be fetched (Keycloak or PostgreSQL down): that is
                // an unavailable dependency, not a bad token.
                if (context.Exception is InvalidOperationException or HttpRequestException ||
                    ApiExceptionHandler.IsDependencyFailure(context.Exception))
                {
                    context.HttpContext.Items[DependencyFailureKey] = true;
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                if (context.HttpContext.Items.ContainsKey(DependencyFailureKey))
                {
                    await ErrorWriter.WriteAsync(context.HttpContext, ApiException.DependencyUnavailable());
                    return;
                }

                await ErrorWriter.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
                    "Missing, invalid or expired bearer token");
            },
            OnForbidden = context => ErrorWriter.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                ErrorCodes.Forbidden, "Not allowed"),
        };
    }
}
