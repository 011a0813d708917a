using System.Buffers;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Checks <see cref="ProxyOptions"/> at start-up, with messages that name the key and say how to fix it. Values that
/// may be secrets (header values, query parameter values, connection strings, the purge token) are never quoted.
/// </summary>
internal sealed class ProxyOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<ProxyOptions>
{
    private const string RoutesPath = $"{ProxyOptions.SectionName}:{nameof(ProxyOptions.Routes)}";

    // RFC 3986 unreserved characters and the slash: a prefix is matched against the normalised path, in which these
    // are never escaped, so a prefix of them matches every spelling of itself.
    private static readonly SearchValues<char> PrefixCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/");

    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._");

    // RFC 9110 token characters, for header names.
    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~");

    private static readonly string[] ForbiddenHeaders = ["Host", "Content-Length", "Content-Type", "Content-Encoding", "Cookie", "Expect"];

    /// <summary>
    /// Whether <paramref name="header"/> is a field HttpClient keeps with the content (<c>Content-Language</c>,
    /// <c>Allow</c>, <c>Expires</c>, <c>Last-Modified</c>, …), which a request header collection refuses: a GET has no
    /// content to carry it, so every request on the route would fail.
    /// </summary>
    private static bool IsContentHeader(string header)
    {
        using var probe = new HttpRequestMessage();
        return !probe.Headers.TryAddWithoutValidation(header, "x");
    }

    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        ValidateOrigins(options, builder);

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > ProxyOptions.MaxTimeout)
        {
            builder.AddError($"Proxy:Timeout is {options.Timeout}; it must be more than zero and at most {ProxyOptions.MaxTimeout}.");
        }

        for (var i = 0; i < options.ForwardedRequestHeaders.Count; i++)
        {
            var header = options.ForwardedRequestHeaders[i];
            if (string.IsNullOrWhiteSpace(header))
            {
                builder.AddError($"Proxy:ForwardedRequestHeaders:{i} is empty; give the name of a header to forward, such as X-Forwarded-Host.");
            }
            else if (!UnkeyedRequestHeaders.Names.Contains(header))
            {
                builder.AddError(
                    $"Proxy:ForwardedRequestHeaders:{i} is '{header}', which is not a header the proxy withholds; it can only forward {UnkeyedRequestHeaders.List}. Other end-to-end headers are always forwarded.");
            }
        }

        ValidateStore(options.Store, builder);
        ValidateAdmin(options, builder);
        return builder.Build();
    }

    private void ValidateOrigins(ProxyOptions options, ValidateOptionsResultBuilder builder)
    {
        var hasOrigin = !string.IsNullOrWhiteSpace(options.Origin);
        if (hasOrigin && options.Routes.Count > 0)
        {
            builder.AddError(
                $"Proxy:Origin (--origin) and {RoutesPath} are both set. Use one: --origin is a single route named '{ProxyApp.ClientName}' for every path; with {RoutesPath}, give that origin a route of its own.");
            return;
        }

        if (hasOrigin)
        {
            ValidateOrigin(options.Origin!, "Proxy:Origin (--origin)", builder);
            return;
        }

        if (options.Routes.Count == 0)
        {
            builder.AddError(
                $"No origin is set. Start the proxy with --origin http://host:port, or set Proxy:Origin (the Proxy__Origin environment variable), or give routes as {RoutesPath}:<name>:PathPrefix and {RoutesPath}:<name>:Origin.");
            return;
        }

        ValidateRouteNames(options, builder);
        var prefixes = new List<(string Key, string Prefix)>();
        foreach (var (routeName, route) in options.Routes)
        {
            var path = $"{RoutesPath}:{routeName}";
            if (routeName.AsSpan().IndexOfAnyExcept(NameCharacters) >= 0)
            {
                builder.AddError($"{path}: the route name '{routeName}' may hold only letters, digits, '-', '.' and '_' (it is also the caching client's name, HttpCaching:Clients:{routeName}).");
            }

            if (ValidatePrefix(route.PathPrefix, $"{path}:{nameof(ProxyRouteOptions.PathPrefix)}", builder) is { } prefix)
            {
                prefixes.Add(($"{path}:{nameof(ProxyRouteOptions.PathPrefix)}", prefix));
            }

            if (string.IsNullOrWhiteSpace(route.Origin))
            {
                builder.AddError($"{path}:{nameof(ProxyRouteOptions.Origin)} is missing; give the origin's absolute http:// or https:// URI, such as https://api.embedly.com/.");
            }
            else
            {
                ValidateOrigin(route.Origin, $"{path}:{nameof(ProxyRouteOptions.Origin)}", builder);
            }

            if (route.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > ProxyOptions.MaxTimeout))
            {
                builder.AddError($"{path}:{nameof(ProxyRouteOptions.Timeout)} is {timeout}; it must be more than zero and at most {ProxyOptions.MaxTimeout}.");
            }

            // Gateways that map header names to variables (CGI, many frameworks) read X_Api_Key as X-Api-Key: a name
            // is judged, and compared with the route's other names, on its dashed spelling.
            var headerNames = new Dictionary<string, string>(HeaderNameComparer.Instance);
            foreach (var (header, value) in route.RequestHeaders)
            {
                var key = $"{path}:{nameof(ProxyRouteOptions.RequestHeaders)}:{header}";
                if (header.Length == 0 || header.AsSpan().IndexOfAnyExcept(TokenCharacters) >= 0)
                {
                    builder.AddError($"{key}: the key is not a valid header name.");
                }
                else if (HopByHopHeaders.IsHopByHop(header) || ForbiddenHeaders.Contains(header, StringComparer.OrdinalIgnoreCase) || IsContentHeader(header.Replace('_', '-')))
                {
                    builder.AddError($"{key}: {header} is a header the proxy does not let a route set; add an end-to-end request header such as X-Api-Key or Authorization.");
                }
                else if (!headerNames.TryAdd(header, key))
                {
                    builder.AddError($"{headerNames[header]} and {key} name the same header (an underscore reads as a dash); set it once.");
                }

                CheckSecretValue(key, value, builder);
            }

            foreach (var (parameter, value) in route.QueryParameters)
            {
                var key = $"{path}:{nameof(ProxyRouteOptions.QueryParameters)}:{parameter}";
                if (string.IsNullOrWhiteSpace(parameter))
                {
                    builder.AddError($"{key}: the key is not a valid query parameter name.");
                }

                CheckSecretValue(key, value, builder);
            }
        }

        // Prefixes overlap when one is the other or a segment-wise start of it ('/' overlaps every other prefix).
        for (var i = 0; i < prefixes.Count; i++)
        {
            for (var j = i + 1; j < prefixes.Count; j++)
            {
                var (a, b) = (prefixes[i], prefixes[j]);
                if (Overlaps(a.Prefix, b.Prefix))
                {
                    builder.AddError(
                        $"{a.Key} ({a.Prefix}) and {b.Key} ({b.Prefix}) overlap: a request could match both. Give each route a prefix of its own that is not the start of another's (/ only when it is the one route).");
                }
            }
        }
    }

    /// <summary>
    /// Configuration keys are case-insensitive, so <c>Proxy:Routes:Embedly</c> in one source and <c>…:embedly</c> in
    /// another are one route, under whichever spelling comes first; the route name is a client name, which HttpCaching
    /// compares ordinally (<c>HttpCaching:Clients:&lt;name&gt;</c>). Spellings that differ only in case are refused.
    /// </summary>
    private void ValidateRouteNames(ProxyOptions options, ValidateOptionsResultBuilder builder)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        var spellings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in root.Providers)
        {
            foreach (var key in provider.GetChildKeys([], RoutesPath))
            {
                spellings.Add(key);
            }
        }

        foreach (var group in spellings.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            builder.AddError(
                $"{string.Join(" and ", group.Order(StringComparer.Ordinal).Select(s => $"{RoutesPath}:{s}"))} name the same route: route names are compared case-insensitively. Spell the name the same way everywhere (it is also the caching client's name, which HttpCaching:Clients compares exactly).");
        }
    }

    private static string? ValidatePrefix(string? prefix, string key, ValidateOptionsResultBuilder builder)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            builder.AddError($"{key} is missing or empty; give the path the route serves, such as /embedly, or / for every path.");
            return null;
        }

        if (prefix[0] != '/')
        {
            builder.AddError($"{key} is '{prefix}', which does not start with '/'; give an absolute path such as /embedly.");
            return null;
        }

        if (prefix.AsSpan().IndexOfAnyExcept(PrefixCharacters) >= 0)
        {
            builder.AddError($"{key} is '{prefix}'; a prefix may hold only letters, digits, '-', '.', '_', '~' and '/' (no query, escapes or backslashes).");
            return null;
        }

        var normalised = ProxyRoute.NormalisePrefix(prefix);
        var segments = normalised.Split('/')[1..];
        if (normalised.Length > 1 && segments.Any(s => s.Length == 0 || s is "." or ".."))
        {
            builder.AddError($"{key} is '{prefix}'; its segments must not be empty, '.' or '..'.");
            return null;
        }

        if (RouteTable.IsAdminPath(normalised))
        {
            builder.AddError($"{key} is '{prefix}', which is under {RouteTable.AdminPrefix}, where the proxy's own endpoints live.");
            return null;
        }

        return normalised;
    }

    private static bool Overlaps(string a, string b) =>
        a == "/" || b == "/" || a == b
        || (b.StartsWith(a, StringComparison.Ordinal) && b[a.Length] == '/')
        || (a.StartsWith(b, StringComparison.Ordinal) && a[b.Length] == '/');

    private static void ValidateOrigin(string value, string key, ValidateOptionsResultBuilder builder)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var origin)
            || (origin.Scheme != Uri.UriSchemeHttp && origin.Scheme != Uri.UriSchemeHttps))
        {
            builder.AddError($"{key} is '{value}', which is not an absolute http:// or https:// URI such as http://127.0.0.1:8000.");
        }
        else if (origin.Query.Length > 0 || origin.Fragment.Length > 0 || origin.UserInfo.Length > 0)
        {
            // The value is not repeated: a query string may hold a key.
            builder.AddError($"{key} must not have a query, a fragment or user information: give scheme, host, port and an optional base path (API keys go in the route's RequestHeaders or QueryParameters).");
        }
    }

    private static void CheckSecretValue(string key, string? value, ValidateOptionsResultBuilder builder)
    {
        // The value is never quoted: it is typically an API key.
        if (string.IsNullOrEmpty(value))
        {
            builder.AddError($"{key} is empty; give the value (from configuration or an environment variable such as {key.Replace(":", "__", StringComparison.Ordinal)}).");
        }
        else if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            builder.AddError($"{key} holds a line break or NUL character, which no header or query may carry.");
        }
    }

    /// <summary>
    /// One address of <c>Proxy:AdminUrls</c>, which Kestrel's own parsing would misread rather than refuse (a port that
    /// is not a number or out of range, a missing port, a path): it must be an absolute <c>http://</c> or
    /// <c>https://</c> URI with a host (<c>*</c> and <c>+</c> for every address, as in <c>--urls</c>) and an explicit
    /// port, and nothing after it. So the admin server listens where it is configured to, or the proxy does not start.
    /// </summary>
    private static void ValidateAdminUrl(string url, ValidateOptionsResultBuilder builder)
    {
        const string Example = "such as http://127.0.0.1:9090";
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = schemeEnd + 3;
        var authorityEnd = schemeEnd < 0 ? -1 : url.AsSpan(authorityStart).IndexOfAny('/', '?', '#');
        var authority = schemeEnd < 0 ? string.Empty : authorityEnd < 0 ? url[authorityStart..] : url.Substring(authorityStart, authorityEnd);
        if (url.AsSpan().IndexOfAny('?', '#', '@') >= 0)
        {
            // The address is not repeated: a query or user information may hold a secret.
            builder.AddError($"Proxy:AdminUrls holds an address with a query, a fragment or user information; give scheme, host and port only, {Example}.");
            return;
        }

        // Kestrel reads '*' and '+' as every address; Uri does not take them as a host.
        var host = authority.StartsWith('[') ? authority[..(authority.IndexOf(']', StringComparison.Ordinal) + 1)] : authority.Split(':')[0];
        var parsable = host is "*" or "+" ? string.Concat(url.AsSpan(0, authorityStart), "0.0.0.0", url.AsSpan(authorityStart + 1)) : url;
        if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || host.Length == 0
            || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            builder.AddError($"Proxy:AdminUrls holds '{url}', which is not an http:// or https:// address with a host and a port, {Example}.");
        }
        else if (authority.Length == host.Length || authority[host.Length] != ':' || authority.Length == host.Length + 1)
        {
            builder.AddError($"Proxy:AdminUrls holds '{url}', which has no port; give one, {Example} (0 for any free port, on an IP address).");
        }
        else if (uri.AbsolutePath != "/")
        {
            builder.AddError($"Proxy:AdminUrls holds '{url}', which has a path; the admin endpoints are always under {RouteTable.AdminPrefix}, so give scheme, host and port only, {Example}.");
        }
        else if (uri.Port == 0 && uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            builder.AddError($"Proxy:AdminUrls holds '{url}': port 0 (any free port) needs an IP address, such as http://127.0.0.1:0, which Kestrel requires.");
        }
    }

    private static void ValidateStore(ProxyStoreOptions store, ValidateOptionsResultBuilder builder)
    {
        const string Path = $"{ProxyOptions.SectionName}:{nameof(ProxyOptions.Store)}";
        if (!Enum.IsDefined(store.Provider))
        {
            builder.AddError($"{Path}:{nameof(ProxyStoreOptions.Provider)} must be Memory, PostgreSql or Redis.");
        }
        else if (store.Provider == ProxyStoreProvider.Memory && !string.IsNullOrEmpty(store.ConnectionString))
        {
            builder.AddError($"{Path}:{nameof(ProxyStoreOptions.ConnectionString)} is set, but {Path}:{nameof(ProxyStoreOptions.Provider)} is Memory; set the provider to PostgreSql or Redis.");
        }
        else if (store.Provider != ProxyStoreProvider.Memory && string.IsNullOrWhiteSpace(store.ConnectionString))
        {
            builder.AddError($"{Path}:{nameof(ProxyStoreOptions.ConnectionString)} is missing; the {store.Provider} store needs one (the Proxy__Store__ConnectionString environment variable keeps it off the command line).");
        }
    }

    private static void ValidateAdmin(ProxyOptions options, ValidateOptionsResultBuilder builder)
    {
        if (options.PurgeToken is { } token && token.Trim().Length < ProxyOptions.MinPurgeTokenLength)
        {
            builder.AddError($"Proxy:PurgeToken is shorter than {ProxyOptions.MinPurgeTokenLength} characters; use a long random value, or leave it unset to turn purge off.");
        }

        if (options.AdminUrls is { } urls)
        {
            var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Length == 0)
            {
                builder.AddError("Proxy:AdminUrls is empty; give addresses such as http://127.0.0.1:9090, or leave it unset to serve the admin endpoints on the public addresses.");
            }

            foreach (var url in list)
            {
                ValidateAdminUrl(url, builder);
            }
        }

        if (!Enum.IsDefined(options.Otlp.Protocol))
        {
            builder.AddError($"Proxy:Otlp:Protocol must be {string.Join(" or ", Enum.GetNames<OpenTelemetry.Exporter.OtlpExportProtocol>())}.");
        }

        if (options.Otlp.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            builder.AddError($"Proxy:Otlp:Endpoint is '{endpoint}', which is not an absolute http:// or https:// URI such as http://collector:4317.");
        }
    }
}
