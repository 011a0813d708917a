namespace HttpCaching.Internal;

/// <summary>
/// A URI as it may appear in logs: scheme, host, port and path, never the query string, which often carries API keys,
/// nor the user information (<c>user:password@</c>). Formatting happens only when a log message is actually written.
/// </summary>
internal readonly struct LoggedUri(Uri? uri)
{
    public override string ToString() =>
        uri is null ? "(none)"
        : uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : uri.OriginalString.Split('?', 2)[0];
}
