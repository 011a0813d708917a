using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Rewrites the failures of a source-generated options validator so that they name the configuration key to fix.
/// </summary>
internal static class ValidationMessages
{
    /// <summary>
    /// The failures of <paramref name="result"/>, from a generated validator called with a <see langword="null"/> name:
    /// each reads <c>Member: The field TypeName.Member must be …</c>, and becomes <c>The field
    /// &lt;<paramref name="path"/>&gt;:Member must be …</c>.
    /// </summary>
    public static IEnumerable<string> NameKeys(ValidateOptionsResult result, string typeName, string path)
    {
        foreach (var failure in result.Failures ?? [])
        {
            var colon = failure.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                yield return failure;
                continue;
            }

            var member = failure[..colon];
            yield return failure[(colon + 2)..].Replace($"{typeName}.{member}", $"{path}:{member}", StringComparison.Ordinal);
        }
    }
}
