using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace HttpCaching.Internal;

/// <summary>
/// The keys a configuration section may hold for one options type, and the shape of each. The configuration binder
/// binds the values; this names, by its full path, every key the binder would reject without saying where, or would
/// skip without a word: a key that names no setting, a section where a value belongs (or the reverse), an empty value
/// for a setting that needs one, and an array that is not numbered. It needs no reflection, so it trims.
/// </summary>
internal sealed class ConfigurationShape
{
    private readonly List<(string Name, SettingKind Kind, ConfigurationShape? Section)> _settings = [];

    private enum SettingKind
    {
        /// <summary>A value that must not be empty: a number, a duration, a flag.</summary>
        Value,

        /// <summary>A string, which may be empty.</summary>
        Text,

        /// <summary>An array of strings, numbered 0, 1, 2 and so on.</summary>
        List,

        /// <summary>A nested section of its own shape.</summary>
        Section,
    }

    /// <summary>The settings of <see cref="ThirdPartyCachingOptions"/> that configuration can hold (not ValidateResponse, a delegate).</summary>
    public static ConfigurationShape ThirdPartyCaching { get; } = new ConfigurationShape()
        .Value(nameof(ThirdPartyCachingOptions.Enabled))
        .Value(nameof(ThirdPartyCachingOptions.MinimumFreshness))
        .Value(nameof(ThirdPartyCachingOptions.MaxBodySize))
        .Value(nameof(ThirdPartyCachingOptions.Shared))
        .Text(nameof(ThirdPartyCachingOptions.StoreServiceKey))
        .Text(nameof(ThirdPartyCachingOptions.KeyPrefix))
        .Value(nameof(ThirdPartyCachingOptions.StaleRetention))
        .Value(nameof(ThirdPartyCachingOptions.MaxHeuristicFreshness))
        .Value(nameof(ThirdPartyCachingOptions.StaleIfError))
        .Value(nameof(ThirdPartyCachingOptions.OriginBackoff))
        .Value(nameof(ThirdPartyCachingOptions.StaleWhileRevalidate))
        .Value(nameof(ThirdPartyCachingOptions.StoreTimeout))
        .Value(nameof(ThirdPartyCachingOptions.OriginTimeout))
        .Value(nameof(ThirdPartyCachingOptions.NearCacheSizeLimit))
        .Value(nameof(ThirdPartyCachingOptions.NearCacheEntryDuration))
        .List(nameof(ThirdPartyCachingOptions.TargetedCacheControlFields));

    /// <summary>The settings of <see cref="HttpCachingStoreOptions"/>.</summary>
    public static ConfigurationShape Store { get; } = new ConfigurationShape()
        .Value(nameof(HttpCachingStoreOptions.MemorySizeLimit))
        .Section(nameof(HttpCachingStoreOptions.Integrity), new ConfigurationShape()
            .List(nameof(HttpCachingIntegrityOptions.Keys))
            .Value(nameof(HttpCachingIntegrityOptions.Encrypt)));

    /// <summary>The names of the settings, in declaration order.</summary>
    public IEnumerable<string> Names => _settings.Select(s => s.Name);

    /// <summary>
    /// Adds an error to <paramref name="errors"/> for every key of <paramref name="section"/> that the shape does not
    /// allow. List elements are never quoted in messages, because a list may hold secrets such as keys.
    /// </summary>
    /// <returns><see langword="true"/> when the section has the shape, so it can be bound.</returns>
    public bool Check(IConfigurationSection section, List<string> errors)
    {
        var before = errors.Count;
        foreach (var child in section.GetChildren())
        {
            var (name, kind, nested) = _settings.Find(s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                errors.Add($"{child.Path} is not a known setting. Known settings: {string.Join(", ", Names)}.");
            }
            else if (kind == SettingKind.Section)
            {
                if (!string.IsNullOrEmpty(child.Value))
                {
                    errors.Add($"{child.Path} is a section, not a value. Known settings: {string.Join(", ", nested!.Names)}.");
                }
                else
                {
                    nested!.Check(child, errors);
                }
            }
            else if (kind == SettingKind.List)
            {
                CheckList(child, errors);
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} must be a value, not a section.");
            }
            else if (kind == SettingKind.Value && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value.");
            }
        }

        return errors.Count == before;
    }

    /// <summary>
    /// The binder's message for a value that does not convert names its path already; any other names the section.
    /// </summary>
    public static string Describe(IConfigurationSection section, InvalidOperationException exception) =>
        exception.Message.Contains(section.Path, StringComparison.OrdinalIgnoreCase) ? exception.Message : $"{section.Path}: {exception.Message}";

    /// <summary>
    /// Whether <paramref name="section"/> sets the list named <paramref name="name"/> at all, even to an empty array
    /// (JSON <c>[]</c> arrives as the key with an empty value), so that it replaces the list set in code.
    /// </summary>
    public static bool SetsList(IConfigurationSection section, string name) =>
        section.GetChildren().Any(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));

    private static void CheckList(IConfigurationSection list, List<string> errors)
    {
        if (!string.IsNullOrEmpty(list.Value))
        {
            errors.Add($"{list.Path} must be an array: set {list.Path}:0, {list.Path}:1 and so on.");
            return;
        }

        foreach (var element in list.GetChildren())
        {
            if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{element.Path} is not an array element: the elements of {list.Path} are numbered 0, 1, 2 and so on.");
            }
            else if (element.GetChildren().Any())
            {
                errors.Add($"{element.Path} must be a value, not a section.");
            }
            else if (string.IsNullOrEmpty(element.Value))
            {
                errors.Add($"{element.Path} is empty.");
            }
        }
    }

    private ConfigurationShape Value(string name) => Add(name, SettingKind.Value);

    private ConfigurationShape Text(string name) => Add(name, SettingKind.Text);

    private ConfigurationShape List(string name) => Add(name, SettingKind.List);

    private ConfigurationShape Section(string name, ConfigurationShape section)
    {
        _settings.Add((name, SettingKind.Section, section));
        return this;
    }

    private ConfigurationShape Add(string name, SettingKind kind)
    {
        _settings.Add((name, kind, null));
        return this;
    }
}
