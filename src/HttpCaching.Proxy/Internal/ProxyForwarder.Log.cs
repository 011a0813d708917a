namespace HttpCaching.Proxy.Internal;

internal sealed partial class ProxyForwarder
{
    /// <summary>
    /// The forwarder's log messages. Paths are logged without the query string, which often carries API keys; header
    /// values are never logged.
    /// </summary>
    internal static partial class Log
    {
        public const int OriginFailedId = 1;
        public const int OriginTimedOutId = 2;
        public const int BodyFailedId = 3;
        public const int BodyTimedOutId = 4;
        public const int ClientAbortedId = 5;
        public const int BadTargetId = 6;
        public const int UnkeyedHeaderWithheldId = 7;
        public const int NoRouteId = 8;

        [LoggerMessage(OriginFailedId, LogLevel.Warning, "{Method} {Path}: the origin could not be reached or sent an invalid response; answering 502.", EventName = "OriginFailed")]
        public static partial void OriginFailed(ILogger logger, string method, PathString path, Exception exception);

        [LoggerMessage(OriginTimedOutId, LogLevel.Warning, "{Method} {Path}: the origin did not answer within {Timeout}; answering 504.", EventName = "OriginTimedOut")]
        public static partial void OriginTimedOut(ILogger logger, string method, PathString path, TimeSpan timeout);

        [LoggerMessage(BodyFailedId, LogLevel.Warning, "{Method} {Path}: reading the response body from the origin failed; the connection to the client is aborted.", EventName = "BodyFailed")]
        public static partial void BodyFailed(ILogger logger, string method, PathString path, Exception exception);

        [LoggerMessage(BodyTimedOutId, LogLevel.Warning, "{Method} {Path}: the origin sent no body data for {Timeout}; the connection to the client is aborted.", EventName = "BodyTimedOut")]
        public static partial void BodyTimedOut(ILogger logger, string method, PathString path, TimeSpan timeout);

        [LoggerMessage(ClientAbortedId, LogLevel.Debug, "{Method} {Path}: the client went away; the request to the origin is cancelled.", EventName = "ClientAborted")]
        public static partial void ClientAborted(ILogger logger, string method, PathString path);

        [LoggerMessage(BadTargetId, LogLevel.Debug, "{Method}: the request target cannot be forwarded (asterisk or authority form, or not a valid URI); answering 400.", EventName = "BadTarget")]
        public static partial void BadTarget(ILogger logger, string method);

        [LoggerMessage(UnkeyedHeaderWithheldId, LogLevel.Debug, "{Method} {Path}: the {HeaderName} request header is not part of the cache key and is not forwarded (see Proxy:ForwardedRequestHeaders).", EventName = "UnkeyedHeaderWithheld")]
        public static partial void UnkeyedHeaderWithheld(ILogger logger, string method, PathString path, string headerName);

        [LoggerMessage(NoRouteId, LogLevel.Debug, "{Method} {Path}: no route serves this path; answering 404.", EventName = "NoRoute")]
        public static partial void NoRoute(ILogger logger, string method, PathString path);
    }
}
