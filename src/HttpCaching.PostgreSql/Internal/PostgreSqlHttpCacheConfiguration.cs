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
    private static readonly (string Name, SettingKind Kind)[] Settings =
    [
        (nameof(PostgreSqlHttpCacheOptions.ConnectionString), SettingKind.Text),
        (nameof(PostgreSqlHttpCacheOptions.SchemaName), SettingKind.Text),
        (nameof(PostgreSqlHttpCacheOptions.TableName), SettingKind.Text),
        (nameof(PostgreSqlHttpCacheOptions.ExpiredItemsDeletionInterval), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.DeleteBatchSize), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.MaxSize), SettingKind.Nullable),
        (nameof(PostgreSqlHttpCacheOptions.MaxRows), SettingKind.Nullable),
        (nameof(PostgreSqlHttpCacheOptions.DefaultSlidingExpiration), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.CommandTimeout), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.Backplane), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.CollapseAcrossInstances), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.LeaseDuration), SettingKind.Value),
        (nameof(PostgreSqlHttpCacheOptions.LeaseWait), SettingKind.Value),
    ];

    private enum SettingKind
    {
        /// <summary>A string, which may be empty.</summary>
        Text,

        /// <summary>A value that must not be empty: a number or a duration.</summary>
        Value,

        /// <summary>A bound that JSON <c>null</c> (a key with no value) removes; an empty string is a mistake.</summary>
        Nullable,
    }

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Settings.Select(s => s.Name);

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    public static void Bind(string name, IConfigurationSection section, PostgreSqlHttpCacheOptions options)
    {
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            var (known, kind) = Array.Find(Settings, s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                errors.Add($"{child.Path} is not a known option. Known options: {string.Join(", ", Names)}.");
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} must be a value, not a section.");
            }
            else if (kind == SettingKind.Value && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value.");
            }
            else if (kind == SettingKind.Nullable && child.Value is not null && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value, or null for no bound.");
            }
        }

        if (errors.Count == 0)
        {
            try
            {
                section.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(ex.Message.Contains(section.Path, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{section.Path}: {ex.Message}");
            }
        }

        if (errors.Count > 0)
        {
            var store = string.IsNullOrEmpty(name) ? "The PostgreSQL HTTP cache" : $"The PostgreSQL HTTP cache '{name}'";
            throw new OptionsValidationException(name, typeof(PostgreSqlHttpCacheOptions), errors.Select(e => $"{store}: {e}"));
        }
    }
}
