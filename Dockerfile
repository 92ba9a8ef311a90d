# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image restores and publishes, the runtime image runs as a non-root user.
# The SDK is pinned to global.json's version (10.0.401; its rollForward latestFeature stays in the 10.0.4xx band), so
# the image builds with the SDK the repository is tested with. Bump both together.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/VioPay.Crypto/VioPay.Crypto.csproj src/VioPay.Crypto/
COPY src/VioPay.Api/VioPay.Api.csproj src/VioPay.Api/
RUN dotnet restore src/VioPay.Api/VioPay.Api.csproj
COPY src/ src/
RUN dotnet publish src/VioPay.Api/VioPay.Api.csproj -c Release -o /app --no-restore /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Workstation GC is the project's default (VioPay.Api.csproj): set DOTNET_gcServer=1 on a large dedicated node.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The aspnet image ships the non-root 'app' user (uid 1654).
USER app
# Ready = PostgreSQL and Redis answer (/health/ready), asked through the admin CLI: the runtime image has no curl, and
# `healthcheck` needs no configuration of its own.
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s --retries=3 \
    CMD ["dotnet", "VioPay.Api.dll", "healthcheck", "--url", "http://127.0.0.1:8080", "--timeout", "5"]
ENTRYPOINT ["dotnet", "VioPay.Api.dll"]
