using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Payments;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// The real app with <typeparamref name="TAcquirer"/> (the simulator behind a test line: flaky, slow, keeping a ledger) as
/// its acquirer, and the maintenance loop left to the test: rounds are run by <see cref="RunMaintenanceAsync"/>, not a timer.
/// </summary>
public class AcquirerApp<TAcquirer> : VioPayApp where TAcquirer : class, IPaymentProcessor
{
    public AcquirerApp()
    {
        WithServices(services =>
        {
            services.AddSingleton<AcquirerSimulator>();
            services.AddSingleton<TAcquirer>();
            services.AddSingleton<IPaymentProcessor>(sp => sp.GetRequiredService<TAcquirer>());
        });
        With("Payments:MaintenanceIntervalSeconds", "3600");
    }

    public TAcquirer Acquirer => Services.GetRequiredService<TAcquirer>();

    public Task<MaintenanceRound> RunMaintenanceAsync() => Services.GetRequiredService<PaymentsMaintenance>().RunOnceAsync(default);
}
