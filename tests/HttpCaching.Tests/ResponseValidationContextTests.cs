using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace HttpCaching.Tests;

/// <summary>
/// The public constructor lets an application unit-test its <see cref="ThirdPartyCachingOptions.ValidateResponse"/>
/// hook on its own: no handler, no origin, no store.
/// </summary>
public sealed class ResponseValidationContextTests
{
    private static readonly Uri OEmbedUri = new("https://api.example.test/oembed?url=https%3A%2F%2Fexample.test%2Fa");

    [Fact]
    public async Task UserHook_ValidOEmbedJson_Accepted()
    {
        using var response = Json("""{"version":"1.0","type":"link"}""", out var body);
        var context = new ResponseValidationContext("embedly", OEmbedUri, response, body);

        Assert.True(await OEmbedHook.ValidateAsync(context, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UserHook_HtmlMaintenancePage_Refused()
    {
        var body = "<html>Down for maintenance</html>"u8.ToArray();
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("text/html");
        var context = new ResponseValidationContext("embedly", OEmbedUri, response, body);

        Assert.False(await OEmbedHook.ValidateAsync(context, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UserHook_JsonCutOffHalfWay_Refused()
    {
        using var response = Json("""{"version":"1.0","ty""", out var body);
        var context = new ResponseValidationContext("embedly", OEmbedUri, response, body);

        Assert.False(await OEmbedHook.ValidateAsync(context, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UserHook_OtherClient_Refused()
    {
        using var response = Json("""{"version":"1.0","type":"link"}""", out var body);
        var context = new ResponseValidationContext("rss", OEmbedUri, response, body);

        Assert.False(await OEmbedHook.ValidateAsync(context, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Constructor_ExposesResponse_AsTheHandlerDoes()
    {
        using var response = Json("{}", out var body);
        response.StatusCode = HttpStatusCode.NonAuthoritativeInformation;
        response.Headers.ETag = new EntityTagHeaderValue("\"v1\"");

        var context = new ResponseValidationContext("embedly", OEmbedUri, response, body);

        Assert.Equal("embedly", context.ClientName);
        Assert.Same(OEmbedUri, context.RequestUri);
        Assert.Equal(HttpStatusCode.NonAuthoritativeInformation, context.StatusCode);
        Assert.Same(response.Headers, context.Headers);
        Assert.Same(response.Content.Headers, context.ContentHeaders);
        Assert.Equal("\"v1\"", context.Headers.ETag?.Tag);
        Assert.Equal("application/json", context.ContentHeaders.ContentType?.MediaType);
        Assert.Equal(body, context.Body.ToArray());
    }

    [Fact]
    public void Constructor_NullArgument_Throws()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        Assert.Equal("clientName", Assert.Throws<ArgumentNullException>(() => new ResponseValidationContext(null!, OEmbedUri, response, default)).ParamName);
        Assert.Equal("requestUri", Assert.Throws<ArgumentNullException>(() => new ResponseValidationContext("embedly", null!, response, default)).ParamName);
        Assert.Equal("response", Assert.Throws<ArgumentNullException>(() => new ResponseValidationContext("embedly", OEmbedUri, null!, default)).ParamName);
    }

    private static HttpResponseMessage Json(string json, out byte[] body)
    {
        body = Encoding.UTF8.GetBytes(json);
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
    }

    /// <summary>
    /// What an application would write: the "embedly" client stores only oEmbed JSON objects that carry the fields
    /// oEmbed requires, so a maintenance page or a truncated body never replaces the last good response.
    /// </summary>
    private static class OEmbedHook
    {
        public static ValueTask<bool> ValidateAsync(ResponseValidationContext response, CancellationToken cancellationToken)
        {
            if (response.ClientName != "embedly" || response.ContentHeaders.ContentType?.MediaType != "application/json")
            {
                return ValueTask.FromResult(false);
            }

            try
            {
                using var document = JsonDocument.Parse(response.Body);
                var root = document.RootElement;
                return ValueTask.FromResult(root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("version", out _)
                    && root.TryGetProperty("type", out _));
            }
            catch (JsonException)
            {
                return ValueTask.FromResult(false);
            }
        }
    }
}
