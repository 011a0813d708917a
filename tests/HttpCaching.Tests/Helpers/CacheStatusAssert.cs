namespace HttpCaching.Tests.Helpers;

public static class ResponseExtensions
{
    public static string CacheStatus(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.NonValidated.TryGetValues(name, out var contentValues) ? string.Join(", ", contentValues)
        : null;
}
