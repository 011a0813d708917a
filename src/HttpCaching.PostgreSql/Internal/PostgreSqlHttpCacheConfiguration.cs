using HttpCaching.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// Binds <see cref="PostgreSqlHttpCacheOptions"/> from a configuration section strictly, with the configuration
/// binder's source generator: a key that names no option, a section where a value belongs, an empty value for an
/// option that needs one, or a value that does not convert fails with a message naming the full configuration key.
/// </summary>
internal static class PostgreSqlHttpCacheConfiguration
{
    /// <summary>The options configuration can set; <see cref="PostgreSqlHttpCacheOptions.ConfigureDataSource"/> is code only.</summary>
    private static readonly ConfigurationShape Shape = new ConfigurationShape("option")
        .Text(nameof(PostgreSqlHttpCacheOptions.ConnectionString))
        .Text(nameof(PostgreSqlHttpCacheOptions.SchemaName))
        .Text(nameof(PostgreSqlHttpCacheOptions.TableName))
        .Value(nameof(PostgreSqlHttpCacheOptions.ExpiredItemsDeletionInterval))
        .Value(nameof(PostgreSqlHttpCacheOptions.DeleteBatchSize))
        .Nullable(nameof(PostgreSqlHttpCacheOptions.MaxSize), "for no bound")
        .Value(nameof(PostgreSqlHttpCacheOptions.MaxValueSize))
        .Nullable(nameof(PostgreSqlHttpCacheOptions.MaxRows), "for no bound")
        .Value(nameof(PostgreSqlHttpCacheOptions.DefaultSlidingExpiration))
        .Value(nameof(PostgreSqlHttpCacheOptions.CommandTimeout))
        .Value(nameof(PostgreSqlHttpCacheOptions.Backplane))
        .Value(nameof(PostgreSqlHttpCacheOptions.CollapseAcrossInstances))
        .Value(nameof(PostgreSqlHttpCacheOptions.LeaseDuration))
        .Value(nameof(PostgreSqlHttpCacheOptions.LeaseWait));

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Shape.Names;

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    public static void Bind(string name, IConfigurationSection section, PostgreSqlHttpCacheOptions options) =>
        Shape.Bind(
            section,
            () => section.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true),
            name,
            typeof(PostgreSqlHttpCacheOptions),
            string.IsNullOrEmpty(name) ? "The PostgreSQL HTTP cache" : $"The PostgreSQL HTTP cache '{name}'");
}
