using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// The proxy's own endpoints: <c>GET /_httpcaching/health</c> (the library's health check, with each route's store
/// status), and purge, <c>PURGE &lt;path&gt;</c> or <c>POST /_httpcaching/purge</c> with the path as the body, which
/// removes the stored response through <see cref="IThirdPartyCacheInvalidator"/>. Purge needs
/// <c>Authorization: Bearer &lt;Proxy:PurgeToken&gt;</c>, compared in constant time; without a token configured it is
/// off (<c>404</c>, and <c>405</c> for <c>PURGE</c>).
/// </summary>
internal sealed partial class AdminEndpoints
{
    public const string HealthPath = RouteTable.AdminPrefix + "/health";
    public const string PurgePath = RouteTable.AdminPrefix + "/purge";
    public const string PurgeMethod = "PURGE";

    private const int MaxPurgeBodyLength = 8 * 1024;

    private readonly RouteTable _routes;
    private readonly IServiceProvider _services;
    private readonly byte[]? _tokenHash;
    private readonly ILogger _logger;

    public AdminEndpoints(RouteTable routes, IOptions<ProxyOptions> options, IServiceProvider services, ILogger<AdminEndpoints> logger)
    {
        _routes = routes;
        _services = services;
        _logger = logger;
        _tokenHash = options.Value.PurgeToken is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token.Trim())) : null;
    }

    /// <summary>Whether purge is on: a token is configured.</summary>
    public bool PurgeEnabled => _tokenHash is not null;

    /// <summary>Whether the request is for the admin endpoints: a path under <c>/_httpcaching</c>, or the <c>PURGE</c> method.</summary>
    public static bool IsAdminRequest(HttpContext context) =>
        RouteTable.IsAdminPath(context.Request.Path.Value ?? string.Empty) || HttpMethods.Equals(context.Request.Method, PurgeMethod);

    /// <summary>Serves an admin request (one that <see cref="IsAdminRequest"/>).</summary>
    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.Equals(request.Method, PurgeMethod))
        {
            return PurgeEnabled
                ? PurgeAsync(context, ProxyForwarder.PathAndQuery(ProxyForwarder.RawTarget(context)))
                : MethodNotAllowedAsync(context);
        }

        if (request.Path.Equals(HealthPath, StringComparison.OrdinalIgnoreCase))
        {
            return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                ? HealthAsync(context)
                : ProxyForwarder.WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "Use GET.\n");
        }

        if (PurgeEnabled && request.Path.Equals(PurgePath, StringComparison.OrdinalIgnoreCase))
        {
            return HttpMethods.IsPost(request.Method)
                ? PurgeFromBodyAsync(context)
                : ProxyForwarder.WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "Use POST with the path to purge as the body.\n");
        }

        return NotFoundAsync(context);
    }

    /// <summary>The answer on the public address to an admin request when the admin endpoints are served elsewhere.</summary>
    public static Task NotServedHereAsync(HttpContext context) =>
        HttpMethods.Equals(context.Request.Method, PurgeMethod) ? MethodNotAllowedAsync(context) : NotFoundAsync(context);

    private static Task NotFoundAsync(HttpContext context) =>
        ProxyForwarder.WriteTextAsync(context, StatusCodes.Status404NotFound, "HttpCaching.Proxy: not found.\n");

    private static Task MethodNotAllowedAsync(HttpContext context) =>
        ProxyForwarder.WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, "HttpCaching.Proxy: purge is not served here.\n");

    private async Task HealthAsync(HttpContext context)
    {
        var report = await _services.GetRequiredService<HealthCheckService>().CheckHealthAsync(context.RequestAborted).ConfigureAwait(false);
        var routes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? description = null;
        if (report.Entries.TryGetValue(HttpCachingDiagnostics.HealthCheckName, out var entry))
        {
            description = entry.Description;
            foreach (var route in _routes.Routes)
            {
                routes[route.Name] = entry.Data.TryGetValue(route.Name, out var status) ? status?.ToString() ?? "Unknown" : "Unknown";
            }
        }

        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var json = new Utf8JsonWriter(context.Response.Body);
        await using var disposeJson = json.ConfigureAwait(false);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteString("description", description);
        json.WriteStartObject("routes");
        foreach (var (name, status) in routes)
        {
            json.WriteString(name, status);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task PurgeFromBodyAsync(HttpContext context)
    {
        if (!Authorized(context))
        {
            await UnauthorizedAsync(context).ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength > MaxPurgeBodyLength)
        {
            await ProxyForwarder.WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge, "The path to purge is too long.\n").ConfigureAwait(false);
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var buffer = new char[MaxPurgeBodyLength + 1];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (read > MaxPurgeBodyLength)
        {
            await ProxyForwarder.WriteTextAsync(context, StatusCodes.Status413PayloadTooLarge, "The path to purge is too long.\n").ConfigureAwait(false);
            return;
        }

        await PurgeAsync(context, new string(buffer, 0, read).Trim(), authorized: true).ConfigureAwait(false);
    }

    private async Task PurgeAsync(HttpContext context, string? pathAndQuery, bool authorized = false)
    {
        if (!authorized && !Authorized(context))
        {
            await UnauthorizedAsync(context).ConfigureAwait(false);
            return;
        }

        ProxyRoute? route = null;
        Uri? target = null;
        var result = pathAndQuery is null ? RouteResult.Invalid : _routes.Resolve(pathAndQuery, out route, out target);
        if (result == RouteResult.Invalid)
        {
            await ProxyForwarder.WriteTextAsync(context, StatusCodes.Status400BadRequest, "Give the path to purge, such as /embedly/1/oembed?url=…\n").ConfigureAwait(false);
            return;
        }

        if (result == RouteResult.NoRoute)
        {
            await ProxyForwarder.WriteTextAsync(context, StatusCodes.Status404NotFound, ProxyForwarder.NoRouteBody).ConfigureAwait(false);
            return;
        }

        AccessLog.SetRoute(context, route!.Name);
        var removed = await _services.GetRequiredService<IThirdPartyCacheInvalidator>().InvalidateAsync(route.Name, target!, context.RequestAborted).ConfigureAwait(false);
        Log.Purged(_logger, route.Name, removed);
        await ProxyForwarder.WriteTextAsync(
            context,
            removed ? StatusCodes.Status200OK : StatusCodes.Status404NotFound,
            removed ? "Purged.\n" : "Nothing was stored for that path (or the store could not be reached).\n").ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the request carries the purge token as a bearer token. Both sides are hashed first, so the comparison
    /// takes the same time whatever the length or content of the token sent.
    /// </summary>
    private bool Authorized(HttpContext context)
    {
        if (_tokenHash is null)
        {
            return false;
        }

        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(value["Bearer ".Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(sent, _tokenHash);
    }

    private static Task UnauthorizedAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ProxyForwarder.WriteTextAsync(context, StatusCodes.Status401Unauthorized, "Purge needs Authorization: Bearer <Proxy:PurgeToken>.\n");
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Purge on route {Route}: {Removed}.", EventName = "Purged")]
        public static partial void Purged(ILogger logger, string route, bool removed);
    }
}
