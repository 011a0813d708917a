using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Tests.Helpers;

/// <summary>Fixed test keys, and every form in which their material could leak.</summary>
public static class IntegrityKeys
{
    public static readonly byte[] ABytes = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();

    public static readonly byte[] BBytes = Enumerable.Range(0, 48).Select(i => (byte)(0x30 + i)).ToArray();

    public static string A { get; } = Convert.ToBase64String(ABytes);

    public static string B { get; } = Convert.ToBase64String(BBytes);

    /// <summary>The strings that must never appear in a log, message, metric or store key.</summary>
    public static IEnumerable<string> Leaks(byte[] key) =>
    [
        Convert.ToBase64String(key),
        Convert.ToBase64String(key)[..16],
        Convert.ToHexString(key),
        Convert.ToHexString(key).ToLowerInvariant(),
        Encoding.Latin1.GetString(key),
        Convert.ToHexString(SHA256.HashData(key)),
    ];

    public static Dictionary<string, string?> Configuration(bool encrypt = false, params string[] keys)
    {
        var configuration = new Dictionary<string, string?>();
        for (var i = 0; i < keys.Length; i++)
        {
            configuration[$"HttpCaching:Store:Integrity:Keys:{i}"] = keys[i];
        }

        if (encrypt)
        {
            configuration["HttpCaching:Store:Integrity:Encrypt"] = "true";
        }

        return configuration;
    }

    /// <summary>Whether <paramref name="haystack"/> contains the bytes of <paramref name="needle"/> (UTF-8).</summary>
    public static bool ContainsText(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
