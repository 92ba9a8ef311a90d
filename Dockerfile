# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image restores and publishes, the runtime image runs as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
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
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_gcServer=1
EXPOSE 8080
# The aspnet image ships the non-root 'app' user (uid 1654).
USER app
ENTRYPOINT ["dotnet", "VioPay.Api.dll"]
