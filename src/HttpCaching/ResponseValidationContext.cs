using System.Net;
using System.Net.Http.Headers;

namespace HttpCaching;

/// <summary>
/// A response about to be stored, as seen by <see cref="ThirdPartyCachingOptions.ValidateResponse"/>.
/// </summary>
public sealed class ResponseValidationContext
{
    internal ResponseValidationContext(string clientName, Uri requestUri, HttpResponseMessage response, ReadOnlyMemory<byte> body)
    {
        ClientName = clientName;
        RequestUri = requestUri;
        StatusCode = response.StatusCode;
        Headers = response.Headers;
        ContentHeaders = response.Content.Headers;
        Body = body;
    }

    /// <summary>Gets the name of the <see cref="HttpClient"/>.</summary>
    public string ClientName { get; }

    /// <summary>Gets the URI that was requested.</summary>
    public Uri RequestUri { get; }

    /// <summary>Gets the response's status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the response's headers.</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>Gets the response's content headers, such as <c>Content-Type</c>.</summary>
    public HttpContentHeaders ContentHeaders { get; }

    /// <summary>Gets the complete response body. It must not be kept after the check returns.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
