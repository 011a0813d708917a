namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Writes one access log record per request, under <see cref="Category"/> at Information: method, route name, path
/// (without the query string, which often carries API keys), status, the cache's <c>Cache-Status</c> outcome and
/// duration. No header value is logged.
/// </summary>
internal sealed partial class AccessLog(RequestDelegate next, ILoggerFactory loggers, IServiceProvider services)
{
    /// <summary>The logger category of the access log.</summary>
    public const string Category = "HttpCaching.Proxy.AccessLog";

    /// <summary>The event id of an access log record.</summary>
    public const int AccessId = 100;

    /// <summary>The route name logged for a request no route serves (an admin endpoint, a 404, a 400).</summary>
    public const string NoRoute = "-";

    private static readonly object RouteKey = new();

    private readonly ILogger _logger = loggers.CreateLogger(Category);
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <summary>Records which route served the request, for its access log record.</summary>
    public static void SetRoute(HttpContext context, string route) => context.Items[RouteKey] = route;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var route = context.Items.TryGetValue(RouteKey, out var name) ? (string)name! : NoRoute;
                var outcome = Outcome(context.Response.Headers[HttpCachingDiagnostics.CacheStatusHeader]);
                Access(_logger, context.Request.Method, route, context.Request.Path, context.Response.StatusCode, outcome, _time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// What the cache did, from its member of <c>Cache-Status</c>: <c>hit</c>, <c>fwd=&lt;reason&gt;</c>, or <c>-</c>
    /// when it has no member (the request did not go through the cache).
    /// </summary>
    internal static string Outcome(IEnumerable<string?> cacheStatus)
    {
        foreach (var line in cacheStatus)
        {
            if (line is null)
            {
                continue;
            }

            foreach (var member in line.Split(',', StringSplitOptions.TrimEntries))
            {
                var parts = member.Split(';', StringSplitOptions.TrimEntries);
                if (parts[0] != HttpCachingDiagnostics.CacheName)
                {
                    continue;
                }

                var hit = Array.Find(parts, p => p == "hit");
                var fwd = Array.Find(parts, p => p.StartsWith("fwd=", StringComparison.Ordinal));
                return hit ?? fwd ?? NoRoute;
            }
        }

        return NoRoute;
    }

    [LoggerMessage(AccessId, LogLevel.Information, "{Method} {Route} {Path} {StatusCode} {CacheOutcome} {DurationMs:0.0}ms", EventName = "Access")]
    private static partial void Access(ILogger logger, string method, string route, PathString path, int statusCode, string cacheOutcome, double durationMs);
}
