using System.Buffers;
using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Forwards one request to the origin through the caching client and copies the answer back: method, normalised
/// target, end-to-end headers (except the unkeyed ones, see <see cref="UnkeyedRequestHeaders"/>) and streamed body
/// out; status, reason phrase, raw header values (each field line kept apart) and streamed body back. An unreachable
/// origin is a <c>502</c>, one that does not answer in time a <c>504</c>, and a client that goes away cancels the
/// request to the origin.
/// </summary>
/// <remarks>
/// The target sent is the very URI the cache keys on: one <see cref="Uri"/>, with its path and query normalised
/// (dot segments removed, also when written <c>%2e</c>, backslashes read as slashes, unreserved characters decoded,
/// <c>%2F</c>, <c>%5C</c> and other reserved escapes kept). Whatever the origin makes of that target, its response
/// is stored for exactly that target, so no spelling of a path can put a response under another path's key.
/// </remarks>
internal sealed partial class ProxyForwarder
{
    private const int BufferSize = 64 * 1024;

    private readonly IHttpClientFactory _clients;
    private readonly ILogger _logger;
    private readonly RouteTable _routes;
    private readonly FrozenSet<string> _withheld;
    private readonly TimeProvider _time;

    /// <summary>The routes' cache options, to remove the targeted fields they obey; null when they are passed on.</summary>
    private readonly IOptionsMonitor<ThirdPartyCachingOptions>? _caching;

    public ProxyForwarder(IHttpClientFactory clients, RouteTable routes, IOptions<ProxyOptions> options, IOptionsMonitor<ThirdPartyCachingOptions> caching, ILogger<ProxyForwarder> logger, IServiceProvider services)
    {
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _clients = clients;
        _logger = logger;
        _routes = routes;
        _caching = options.Value.RemoveTargetedFields ? caching : null;
        _withheld = UnkeyedRequestHeaders.Withheld(UnkeyedRequestHeaders.Forwarded(options.Value.ForwardedRequestHeaders));
    }

    /// <summary>The <c>Allow</c> of the proxy's <c>405</c> to TRACE: the methods it forwards (RFC 9110 §15.5.6).</summary>
    private const string AllowedMethods = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE";

    /// <summary>The text of the proxy's own <c>404</c> for a path no route serves.</summary>
    public const string NoRouteBody = "HttpCaching.Proxy: no route serves this path.\n";

    public async Task ForwardAsync(HttpContext context)
    {
        if (HttpMethods.IsTrace(context.Request.Method) || context.Request.Method.Equals("TRACK", StringComparison.OrdinalIgnoreCase))
        {
            // An origin that answers TRACE (or IIS's TRACK) echoes the request it received, the route's API key included
            // (RFC 9110 §9.3.8): never forwarded, as nginx does.
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = AllowedMethods;
            return;
        }

        var aborted = context.RequestAborted;
        var rawTarget = RawTarget(context);
        ProxyRoute? route = null;
        Uri? target = null;
        var result = PathAndQuery(rawTarget) is { } pathAndQuery ? _routes.Resolve(pathAndQuery, out route, out target) : RouteResult.Invalid;
        if (result == RouteResult.Invalid)
        {
            Log.BadTarget(_logger, context.Request.Method);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (result == RouteResult.NoRoute)
        {
            // Answered here: nothing goes to a host no route names, whatever the target's authority or Host say.
            Log.NoRoute(_logger, context.Request.Method, context.Request.Path);
            await WriteTextAsync(context, StatusCodes.Status404NotFound, NoRouteBody).ConfigureAwait(false);
            return;
        }

        AccessLog.SetRoute(context, route!.Name);
        using var request = CreateRequest(context, target!, route);
        // The route's timeout runs on the application's clock; the client going away cancels it too.
        using var timeout = new CancellationTokenSource(route.Timeout, _time);
        using var linked = aborted.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), timeout);

        HttpResponseMessage response;
        try
        {
            response = await _clients.CreateClient(route.Name)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException && aborted.IsCancellationRequested)
        {
            Log.ClientAborted(_logger, request.Method.Method, context.Request.Path);
            return;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested || ex.InnerException is TimeoutException)
        {
            Log.OriginTimedOut(_logger, request.Method.Method, context.Request.Path, route.Timeout);
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
            return;
        }
        catch (HttpRequestException ex)
        {
            Log.OriginFailed(_logger, request.Method.Method, context.Request.Path, ex);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        // The head is here: from now on the timeout applies to each read of the body, not to the client's pace.
        timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        using (response)
        {
            CopyResponseHead(context, response, _caching?.Get(route.Name).TargetedCacheControlFields);
            if (!ResponseCanHaveBody(context.Request.Method, context.Response.StatusCode))
            {
                return;
            }

            await CopyBodyAsync(context, request, response, timeout, route.Timeout).ConfigureAwait(false);
        }
    }

    /// <summary>The request target as the client sent it (or rebuilt from the path and query when the server has none).</summary>
    public static string RawTarget(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return string.IsNullOrEmpty(rawTarget)
            ? UriHelper.BuildRelative(context.Request.PathBase, context.Request.Path, context.Request.QueryString)
            : rawTarget;
    }

    /// <summary>A short plain-text answer of the proxy's own.</summary>
    public static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    /// <summary>
    /// The path and query of a request target: the origin form as is, the path and query of the absolute form (a
    /// client that uses the proxy as a forward proxy), and <see langword="null"/> for the asterisk and authority forms.
    /// </summary>
    public static string? PathAndQuery(string rawTarget)
    {
        if (rawTarget.StartsWith('/'))
        {
            return rawTarget;
        }

        var schemeEnd = rawTarget.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return null;
        }

        var authorityStart = schemeEnd + 3;
        var pathStart = rawTarget.AsSpan(authorityStart).IndexOfAny('/', '?');
        if (pathStart < 0)
        {
            return "/";
        }

        var rest = rawTarget[(authorityStart + pathStart)..];
        return rest[0] == '?' ? "/" + rest : rest;
    }

    private HttpRequestMessage CreateRequest(HttpContext context, Uri target, ProxyRoute route)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), target);

        // A body is forwarded when the client sent one: a Content-Length (even 0, except on a GET or HEAD, where an empty
        // body is none and must not keep the response from the cache) or a chunked body.
        var emptyBodyIsNone = HttpMethods.IsGet(incoming.Method) || HttpMethods.IsHead(incoming.Method);
        if (incoming.ContentLength is > 0 || (incoming.ContentLength == 0 && !emptyBodyIsNone)
            || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            request.Content = new StreamContent(incoming.Body, BufferSize);
        }

        var connectionTokens = HopByHopHeaders.ConnectionTokens(incoming.Headers.Connection);
        foreach (var (name, values) in incoming.Headers)
        {
            // Host becomes the origin's authority (HttpClient sets it from the URI); pseudo-headers are HTTP/2 framing.
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(':')
                || HopByHopHeaders.ShouldRemove(name, connectionTokens))
            {
                continue;
            }

            // The route sets these itself, below the cache: the caller's value is neither forwarded nor part of the key.
            // Compared on the dashed spelling, since an origin that reads '_' as '-' would take X_Api_Key for X-Api-Key.
            if (route.RequestHeaderNames.Contains(name))
            {
                continue;
            }

            // Fields that change responses without being part of the key are withheld unless configured as forwarded;
            // their underscore spellings always are.
            if (_withheld.Contains(name) || UnkeyedRequestHeaders.IsUnderscoreSpelling(name))
            {
                Log.UnkeyedHeaderWithheld(_logger, incoming.Method, incoming.Path, name);
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return request;
    }

    private static void CopyResponseHead(HttpContext context, HttpResponseMessage response, IList<string>? removed)
    {
        var outgoing = context.Response;
        var status = (int)response.StatusCode;
        outgoing.StatusCode = status;
        if (response.ReasonPhrase is { Length: > 0 } reason)
        {
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = reason;
        }

        var connectionTokens = response.Headers.NonValidated.TryGetValues("Connection", out var connection)
            ? HopByHopHeaders.ConnectionTokens(connection)
            : null;
        CopyHeaders(response.Headers.NonValidated, outgoing.Headers, connectionTokens);
        CopyHeaders(response.Content.Headers.NonValidated, outgoing.Headers, connectionTokens);
        if (removed is not null)
        {
            // Directives meant for this cache (RFC 9213), not for the caches after it.
            foreach (var field in removed)
            {
                outgoing.Headers.Remove(field);
            }
        }

        // Content-Length is set from the content, which knows it for responses the cache serves from its store; not for
        // the statuses that never have a body here (a 205's is dropped, as RFC 9110 §15.3.6 wants), since Kestrel fails a
        // response whose body falls short of its length.
        if (status is >= 200 and not StatusCodes.Status204NoContent and not StatusCodes.Status205ResetContent and not StatusCodes.Status304NotModified
            && response.Content.Headers.ContentLength is { } length)
        {
            outgoing.ContentLength = length;
        }
    }

    private static void CopyHeaders(HttpHeadersNonValidated from, IHeaderDictionary to, HashSet<string>? connectionTokens)
    {
        foreach (var (name, values) in from)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || HopByHopHeaders.ShouldRemove(name, connectionTokens))
            {
                continue;
            }

            // One value per field line: Kestrel writes each value of a StringValues as a line of its own.
            var array = new string[values.Count];
            var i = 0;
            foreach (var value in values)
            {
                array[i++] = WithoutControlCharacters(value);
            }

            to.Append(name, array);
        }
    }

    /// <summary>
    /// A field value with each control character (other than a tab) replaced by a space, as RFC 9110 §5.5 allows a
    /// recipient to do. HttpClient passes them on (it replaces only CR, LF and NUL) and Kestrel refuses to write them: one
    /// such field from the origin would otherwise fail the request, and every hit on the response stored with it.
    /// </summary>
    internal static string WithoutControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (IsControl(c))
            {
                return string.Create(value.Length, value, static (span, source) =>
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        span[i] = IsControl(source[i]) ? ' ' : source[i];
                    }
                });
            }
        }

        return value;

        static bool IsControl(char c) => (c < ' ' && c != '\t') || c == '\u007f';
    }

    private static bool ResponseCanHaveBody(string method, int status) =>
        !HttpMethods.IsHead(method)
        && status >= 200
        && status is not StatusCodes.Status204NoContent and not StatusCodes.Status205ResetContent and not StatusCodes.Status304NotModified;

    private async Task CopyBodyAsync(HttpContext context, HttpRequestMessage request, HttpResponseMessage response, CancellationTokenSource timeout, TimeSpan readTimeout)
    {
        var aborted = context.RequestAborted;
        if (response.Content is ByteArrayContent stored)
        {
            // A body in memory (every response the cache serves): one write, straight from the stored record, with no
            // copy through a buffer and nothing to time out on the origin's side.
            try
            {
                await stored.CopyToAsync(context.Response.Body, aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                Log.ClientAborted(_logger, request.Method.Method, context.Request.Path);
                context.Abort();
            }

            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                // Send the head at once, so a slow body does not hold it back; then each read gets the full timeout.
                await context.Response.StartAsync(aborted).ConfigureAwait(false);
                while (true)
                {
                    timeout.CancelAfter(readTimeout);
                    var read = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The head is gone already: all that is left is to cut the connection so the client sees a broken body.
            if (aborted.IsCancellationRequested)
            {
                Log.ClientAborted(_logger, request.Method.Method, context.Request.Path);
            }
            else if (timeout.IsCancellationRequested)
            {
                Log.BodyTimedOut(_logger, request.Method.Method, context.Request.Path, readTimeout);
            }
            else
            {
                Log.BodyFailed(_logger, request.Method.Method, context.Request.Path, ex);
            }

            context.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
