using System.Net;
using System.Net.Http.Headers;

namespace HttpCaching;

/// <summary>
/// A response about to be stored, as seen by <see cref="ThirdPartyCachingOptions.ValidateResponse"/>.
/// </summary>
public sealed class ResponseValidationContext
{
    /// <summary>
    /// Initializes a new instance of the <see cref="ResponseValidationContext"/> class. The cache creates one for each
    /// response it is about to store; create one yourself to unit-test a <see cref="ThirdPartyCachingOptions.ValidateResponse"/>
    /// hook without a handler or an origin.
    /// </summary>
    /// <param name="clientName">The name of the <see cref="HttpClient"/> the response was received by.</param>
    /// <param name="requestUri">The URI that was requested.</param>
    /// <param name="response">
    /// The response: its status code, headers and content headers are read. Its content is not read; the body is
    /// <paramref name="body"/>.
    /// </param>
    /// <param name="body">The complete response body.</param>
    /// <exception cref="ArgumentNullException">
    /// <paramref name="clientName"/>, <paramref name="requestUri"/> or <paramref name="response"/> is <see langword="null"/>.
    /// </exception>
    public ResponseValidationContext(string clientName, Uri requestUri, HttpResponseMessage response, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentNullException.ThrowIfNull(requestUri);
        ArgumentNullException.ThrowIfNull(response);
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
