using Microsoft.Extensions.Options;

namespace VioPay.Api.Payments;

/// <summary>The payments services and the choice of acquirer (<c>Payments:Processor</c>).</summary>
public static class PaymentsExtensions
{
    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var development = builder.Environment.IsDevelopment();
        services.AddOptions<PaymentOptions>().BindConfiguration(PaymentOptions.Section).ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.Processor) || development,
                $"Configuration '{PaymentOptions.Section}:{nameof(PaymentOptions.Processor)}' is required outside Development: " +
                $"choose the acquirer explicitly (known: {string.Join(", ", PaymentOptions.KnownProcessors)}), " +
                "e.g. the environment variable Payments__Processor=Simulator for a test deployment.")
            .Validate(o => string.IsNullOrWhiteSpace(o.Processor) || PaymentOptions.KnownProcessors.Contains(o.Processor, StringComparer.OrdinalIgnoreCase),
                $"Configuration '{PaymentOptions.Section}:{nameof(PaymentOptions.Processor)}' names no known processor " +
                $"(known: {string.Join(", ", PaymentOptions.KnownProcessors)}).")
            .ValidateOnStart();

        services.AddSingleton<AcquirerSimulator>();
        // Only the simulator exists today; a real acquirer is one more case here, chosen by the same setting.
        services.AddSingleton<IPaymentProcessor>(sp => new MeteredPaymentProcessor(sp.GetRequiredService<AcquirerSimulator>(),
            PaymentOptions.Simulator.ToLowerInvariant(), sp.GetRequiredService<Infrastructure.Telemetry.VioPayMetrics>()));
        services.AddSingleton<CardFingerprints>();
        services.AddScoped<IdempotencyKeys>();
        services.AddScoped<ChargeOperations>();
        services.AddScoped<CancelOperations>();
        services.AddScoped<HoldOperations>();
        services.AddScoped<RefundOperations>();
        services.AddScoped<BatchOperations>();
        services.AddSingleton<ChargeStore>();
        services.AddSingleton<TerminalDirectory>();
        services.AddHostedService(sp => sp.GetRequiredService<TerminalDirectory>());
        services.AddScoped<ReversalOutbox>();
        services.AddSingleton<PaymentsMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<PaymentsMaintenance>());
        return builder;
    }

    /// <summary>The processor in effect, as <c>/health/ready</c> and the start-up log show it.</summary>
    public static string EffectiveProcessor(this PaymentOptions options) =>
        string.IsNullOrWhiteSpace(options.Processor) ? PaymentOptions.Simulator : options.Processor;

    /// <summary>True when the simulator answers payments in an environment other than Development.</summary>
    public static bool SimulatorOutsideDevelopment(this PaymentOptions options, IHostEnvironment environment) =>
        !environment.IsDevelopment() &&
        string.Equals(options.EffectiveProcessor(), PaymentOptions.Simulator, StringComparison.OrdinalIgnoreCase);

    /// <summary>Says at start-up which acquirer answers payments, as a warning when it is the simulator outside Development.</summary>
    public static WebApplication LogPaymentProcessor(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PaymentOptions>>().Value;
        if (options.SimulatorOutsideDevelopment(app.Environment))
        {
            app.Logger.LogWarning(
                "Payments go to the built-in acquirer simulator (Payments:Processor={Processor}) in {Environment}: no real money moves",
                options.EffectiveProcessor(), app.Environment.EnvironmentName);
        }
        else
        {
            app.Logger.LogInformation("Payment processor: {Processor}", options.EffectiveProcessor());
        }

        return app;
    }
}
