using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The rules declared on <see cref="HttpCachingStoreOptions"/> by <c>[Range]</c>, checked by source-generated code.
/// <see cref="HttpCachingStoreOptionsCustomValidator"/> runs it and names the configuration key in its messages.
/// </summary>
[OptionsValidator]
internal sealed partial class HttpCachingStoreOptionsValidator : IValidateOptions<HttpCachingStoreOptions>;
