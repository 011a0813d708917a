using System.Text.Json;
using System.Xml;

namespace HttpCaching.Demo;

/// <summary>
/// What each client expects from its third party, given the media type and the body: the feed must be an RSS
/// document, the oEmbed response a JSON object with the fields oEmbed requires. A maintenance page or a response cut
/// off half-way fails the check. The clients' <c>ValidateResponse</c> hooks use these, and so does the demo to check
/// every response the app got.
/// </summary>
public static class ResponseChecks
{
    private static readonly XmlReaderSettings XmlSettings = new() { DtdProcessing = DtdProcessing.Prohibit };

    public static bool IsRssFeed(string? mediaType, ReadOnlyMemory<byte> body)
    {
        if (mediaType is not ("application/rss+xml" or "application/xml" or "text/xml"))
        {
            return false;
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), XmlSettings);
            return reader.MoveToContent() == XmlNodeType.Element && reader.LocalName == "rss";
        }
        catch (XmlException)
        {
            return false;
        }
    }

    public static bool IsOEmbedDocument(string? mediaType, ReadOnlyMemory<byte> body)
    {
        if (mediaType is not "application/json")
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("version", out _) && root.TryGetProperty("type", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
