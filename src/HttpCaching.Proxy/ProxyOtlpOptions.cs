using OpenTelemetry.Exporter;

namespace HttpCaching.Proxy;

/// <summary>
/// The OpenTelemetry exporter of the <c>HttpCaching</c> meter, bound from <c>Proxy:Otlp</c>. Without an endpoint no
/// exporter runs.
/// </summary>
internal sealed class ProxyOtlpOptions
{
    /// <summary>
    /// Gets or sets the OTLP endpoint, such as <c>http://collector:4317</c> (gRPC) or
    /// <c>http://collector:4318/v1/metrics</c> (HTTP/protobuf).
    /// </summary>
    /// <value>The default is <see langword="null"/>: the <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable, if set; else no export.</value>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the protocol the exporter speaks.</summary>
    /// <value>The default is <see cref="OtlpExportProtocol.Grpc"/>.</value>
    public OtlpExportProtocol Protocol { get; set; } = OtlpExportProtocol.Grpc;
}
