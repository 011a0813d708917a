using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace HttpCaching.Demo;

/// <summary>
/// The bodies the stand-in origin serves: an RSS feed of about 50 KB and an oEmbed document of about 2 KB, and what
/// they serve instead when things go wrong: a maintenance page and a truncated oEmbed document.
/// </summary>
public static class SampleContent
{
    private const int FeedItems = 56;

    private const string Paragraph =
        "We rebuilt the ingestion pipeline around a small set of idempotent steps, each of which can be retried on its own. "
        + "The change cut the p99 latency of a publish from four seconds to under one, removed two queues we no longer needed "
        + "and made the failure modes boring enough that the on-call rotation stopped noticing them. This post walks through "
        + "the design, the migration we ran with both pipelines side by side for a month, and the three things we would do "
        + "differently next time: measure before sharding, keep the schema registry out of the hot path, and write the "
        + "runbook before the first incident rather than during it. ";

    /// <summary>The feed as published at <paramref name="publishedAt"/>; each edition adds one post and drops the oldest.</summary>
    public static Representation Feed(int edition, DateTimeOffset publishedAt)
    {
        using var stream = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true };
        using (var xml = XmlWriter.Create(stream, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("rss");
            xml.WriteAttributeString("version", "2.0");
            xml.WriteStartElement("channel");
            xml.WriteElementString("title", "Example Engineering Blog");
            xml.WriteElementString("link", "https://blog.example.com/");
            xml.WriteElementString("description", "Posts from the Example engineering team.");
            xml.WriteElementString("lastBuildDate", publishedAt.ToString("R", CultureInfo.InvariantCulture));

            var newest = 100 + edition;
            for (var i = 0; i < FeedItems; i++)
            {
                var number = (newest - i).ToString(CultureInfo.InvariantCulture);
                var link = $"https://blog.example.com/posts/{number}";
                xml.WriteStartElement("item");
                xml.WriteElementString("title", $"Post {number}: notes from the platform team");
                xml.WriteElementString("link", link);
                xml.WriteElementString("guid", link);
                xml.WriteElementString("pubDate", publishedAt.AddDays(-i).ToString("R", CultureInfo.InvariantCulture));
                xml.WriteElementString("description", Paragraph);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        return new Representation(stream.ToArray(), "application/rss+xml; charset=utf-8", publishedAt);
    }

    /// <summary>An oEmbed response (https://oembed.com/) for a video, as an Embedly-like provider returns it.</summary>
    public static Representation OEmbed(DateTimeOffset lastModified)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteString("type", "video");
            json.WriteString("provider_name", "ExampleTube");
            json.WriteString("provider_url", "https://video.example.com/");
            json.WriteString("title", "Idempotent pipelines in practice (conference talk, 42 min)");
            json.WriteString("author_name", "Example Engineering");
            json.WriteString("author_url", "https://video.example.com/@example-engineering");
            json.WriteString("description", Paragraph + Paragraph);
            json.WriteNumber("width", 640);
            json.WriteNumber("height", 360);
            json.WriteString("thumbnail_url", "https://img.video.example.com/vi/x7Gq2Lm/hqdefault.jpg");
            json.WriteNumber("thumbnail_width", 480);
            json.WriteNumber("thumbnail_height", 360);
            json.WriteString(
                "html",
                "<iframe width=\"640\" height=\"360\" src=\"https://video.example.com/embed/x7Gq2Lm?feature=oembed\" "
                + "frameborder=\"0\" allow=\"autoplay; encrypted-media; picture-in-picture\" allowfullscreen "
                + "title=\"Idempotent pipelines in practice\"></iframe>");
            json.WriteEndObject();
        }

        return new Representation(stream.ToArray(), "application/json; charset=utf-8", lastModified);
    }

    /// <summary>The static page a web server shows while the blog is down for maintenance, with a 200.</summary>
    public static Representation MaintenancePage(DateTimeOffset lastModified)
    {
        const string Html = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Down for maintenance</title></head>
            <body>
              <h1>We'll be back soon</h1>
              <p>blog.example.com is down for scheduled maintenance. Please check back in an hour.</p>
            </body>
            </html>
            """;
        return new Representation(Encoding.UTF8.GetBytes(Html), "text/html; charset=utf-8", lastModified);
    }

    /// <summary>The oEmbed document cut off half-way, as a backend that crashed mid-response sends it, with a 200.</summary>
    public static Representation TruncatedOEmbed(DateTimeOffset lastModified)
    {
        var complete = OEmbed(lastModified).Body;
        return new Representation(complete[..(complete.Length / 2)], "application/json; charset=utf-8", lastModified);
    }
}
