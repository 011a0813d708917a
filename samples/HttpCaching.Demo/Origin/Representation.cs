using System.Security.Cryptography;

namespace HttpCaching.Demo;

/// <summary>One version of a resource at the stand-in origin, with a strong entity tag derived from its bytes.</summary>
public sealed record Representation(byte[] Body, string ContentType, DateTimeOffset LastModified)
{
    public string ETag { get; } = $"\"{Convert.ToHexStringLower(SHA256.HashData(Body))[..16]}\"";
}
