using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/VioPay.Benchmarks -- --filter '*'   (see docs/BENCHMARKS.md)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The entry point's type, for BenchmarkSwitcher.</summary>
public partial class Program;
