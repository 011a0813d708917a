using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HttpCaching.Proxy.Tests.Helpers;

/// <summary>
/// A Kestrel origin that records each request (raw target and headers) and answers <c>{name} {raw target}</c> with
/// <c>max-age=600</c>, so the test can tell which origin answered what and whether the cache did.
/// </summary>
public sealed class RecordingOrigin : IAsyncDisposable
{
    private readonly List<(string Target, Dictionary<string, string> Headers)> _requests = [];
    private KestrelOrigin? _origin;

    private RecordingOrigin(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public Uri BaseAddress => _origin!.BaseAddress;

    /// <summary>The origin's scheme and authority, without a trailing slash.</summary>
    public string Authority => BaseAddress.GetLeftPart(UriPartial.Authority);

    public IReadOnlyList<string> Targets
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests.Select(r => r.Target)];
            }
        }
    }

    public IReadOnlyList<Dictionary<string, string>> Headers
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests.Select(r => r.Headers)];
            }
        }
    }

    /// <summary>Whether the body names the raw target; otherwise it is the origin's name alone.</summary>
    public bool EchoTarget { get; set; } = true;

    /// <summary>Extra response headers every answer carries.</summary>
    public Dictionary<string, string> ResponseHeaders { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static async Task<RecordingOrigin> StartAsync(string name)
    {
        var origin = new RecordingOrigin(name);
        origin._origin = await KestrelOrigin.StartAsync(app => app.Run(origin.AnswerAsync));
        return origin;
    }

    private Task AnswerAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        lock (_requests)
        {
            _requests.Add((target, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        }

        context.Response.Headers.CacheControl = "max-age=600";
        foreach (var (name, value) in ResponseHeaders)
        {
            context.Response.Headers[name] = value;
        }

        return context.Response.WriteAsync(EchoTarget ? $"{Name} {target}" : Name, context.RequestAborted);
    }

    public ValueTask DisposeAsync() => _origin?.DisposeAsync() ?? ValueTask.CompletedTask;
}
