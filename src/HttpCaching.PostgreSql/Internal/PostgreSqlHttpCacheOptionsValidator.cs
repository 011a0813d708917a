using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// The rules declared on <see cref="PostgreSqlHttpCacheOptions"/> by <c>[Range]</c> and <c>[Required]</c>, checked by
/// source-generated code. <see cref="PostgreSqlHttpCacheOptionsCustomValidator"/> runs it and names the store in its
/// messages.
/// </summary>
[OptionsValidator]
internal sealed partial class PostgreSqlHttpCacheOptionsValidator : IValidateOptions<PostgreSqlHttpCacheOptions>
{
    public const int MaxDeleteBatchSize = 100_000;
}
