namespace HttpCaching.Testing;

public static class ResponseExtensions
{
    /// <summary>The field's values as received, one per field line, from the response or its content headers.</summary>
    public static string[] Lines(this HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? [.. values]
        : response.Content.Headers.NonValidated.TryGetValues(name, out var contentValues) ? [.. contentValues]
        : [];

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Lines(name) is { Length: > 0 } lines ? string.Join(", ", lines) : null;

    public static string CacheStatus(this HttpResponseMessage response) => response.Header("Cache-Status") ?? "";
}
