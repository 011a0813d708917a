using System.Net;

namespace HttpCaching.Benchmarks;

/// <summary>Helpers the setups of the store benchmarks share (linked from benchmarks/Shared).</summary>
internal static class Setup
{
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark setup is wrong: {message}.");
        }
    }

    /// <summary>A JSON-looking body of exactly <paramref name="size"/> bytes (as in HttpCaching.Benchmarks).</summary>
    public static byte[] CreateBody(int size)
    {
        var body = new byte[size];
        var pattern = "{\"id\":42,\"name\":\"item\",\"tags\":[\"a\",\"b\"]},"u8;
        for (var i = 0; i < size; i++)
        {
            body[i] = pattern[i % pattern.Length];
        }

        return body;
    }

    /// <summary>Sends one GET of <paramref name="uri"/> and checks the status, the body's size and the Cache-Status.</summary>
    public static async Task ExpectAsync(HttpMessageInvoker invoker, Uri uri, string client, int bodySize, string expectedCacheStatus)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await invoker.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        Check(response.StatusCode == HttpStatusCode.OK, $"{client}: status {(int)response.StatusCode}");
        Check(body.Length == bodySize, $"{client}: a body of {body.Length} bytes instead of {bodySize}");
        var cacheStatus = response.Headers.NonValidated.TryGetValues("Cache-Status", out var values) ? values.ToString() : null;
        Check(cacheStatus?.Contains(expectedCacheStatus, StringComparison.Ordinal) == true, $"{client}: Cache-Status '{cacheStatus}', expected '{expectedCacheStatus}'");
    }

    /// <summary>The origins not called exactly once, as "client N times", read before cleanup releases them.</summary>
    public static List<string> NotCalledOnce(IReadOnlyDictionary<string, NoRemoteCallHandler> origins) =>
        [.. origins.Where(o => o.Value.Calls != 1).Select(o => $"{o.Key} {o.Value.Calls} times")];

    /// <summary>
    /// Throws when <paramref name="notCalledOnce"/> (from <see cref="NotCalledOnce"/>) names any origin: the hits are
    /// meaningful only if every entry stayed fresh, and readable, for the whole run. Call it last in cleanup.
    /// </summary>
    public static void ThrowIfAny(List<string> notCalledOnce)
    {
        if (notCalledOnce.Count > 0)
        {
            throw new InvalidOperationException($"The origin was reached more than once ({string.Join(", ", notCalledOnce)}): an entry did not stay fresh or readable.");
        }
    }

    /// <summary>Disposes the invokers (and forgets them) and then the service provider, if any.</summary>
    public static async Task ReleaseAsync(Dictionary<string, HttpMessageInvoker> invokers, Microsoft.Extensions.DependencyInjection.ServiceProvider? services)
    {
        foreach (var invoker in invokers.Values)
        {
            invoker.Dispose();
        }

        invokers.Clear();
        if (services is not null)
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
