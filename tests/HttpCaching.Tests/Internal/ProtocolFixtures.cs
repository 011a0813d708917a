using System.Net;
using System.Text;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

/// <summary>Stored entries and responses for the unit tests of the protocol code, built the way the handler builds them.</summary>
internal static class ProtocolFixtures
{
    /// <summary>When the fixtures' responses were received: Sun, 06 Nov 1994 08:49:37 GMT.</summary>
    public static readonly DateTimeOffset Received = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    public static ThirdPartyCachingOptions Options(bool shared = true) => new() { Shared = shared, MinimumFreshness = TimeSpan.Zero };

    /// <summary>A response with the given fields (<c>Name: value</c>; content fields go on the content).</summary>
    public static HttpResponseMessage Response(HttpStatusCode status, string body, params string[] fields)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        foreach (var field in fields)
        {
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (field[..colon], field[(colon + 1)..].Trim());
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                Assert.True(response.Content.Headers.TryAddWithoutValidation(name, value), name);
            }
        }

        return response;
    }

    /// <summary>The entry the handler would store for a 200 with <paramref name="fields"/>, received at <see cref="Received"/>.</summary>
    public static CacheEntry Entry(string body = "hello", bool credentialed = false, ThirdPartyCachingOptions? options = null, params string[] fields) =>
        Entry(HttpStatusCode.OK, body, credentialed, options, fields);

    public static CacheEntry Entry(HttpStatusCode status, string body, bool credentialed, ThirdPartyCachingOptions? options, params string[] fields)
    {
        using var response = Response(status, body, fields);
        var bytes = Encoding.UTF8.GetBytes(body);
        var record = BodyRecord.Allocate(bytes.Length);
        bytes.CopyTo(record, RecordFormat.BodyHeaderLength);
        BodyRecord.Seal(record);
        return EntryFactory.Create(response, record, bytes.Length, Received, Received, options ?? Options(), credentialed);
    }
}
