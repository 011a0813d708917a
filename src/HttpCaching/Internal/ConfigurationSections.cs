using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace HttpCaching.Internal;

/// <summary>
/// Binds configuration sections to options strictly: a key that names no setting, or a value that does not convert,
/// is an error whose message names the full configuration path.
/// </summary>
internal static class ConfigurationSections
{
    public const string Root = "HttpCaching";
    public const string Defaults = "Defaults";
    public const string Clients = "Clients";

    public static string ClientPath(string clientName) => $"{Root}:{Clients}:{clientName}";

    public static void Bind(IConfigurationSection section, object target, List<string> errors, params string[] reservedKeys)
    {
        if (!section.Exists())
        {
            return;
        }

        var known = target.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && IsScalar(p.PropertyType))
            .Select(p => p.Name)
            .ToArray();

        foreach (var child in section.GetChildren())
        {
            if (reservedKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a known setting. Known settings: {string.Join(", ", known)}.");
            }
            else
            {
                try
                {
                    BindProperty(child, target);
                }
                catch (InvalidOperationException ex)
                {
                    errors.Add(ex.Message.Contains(child.Path, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{child.Path}: {ex.Message}");
                }
            }
        }
    }

    /// <summary>Settings that configuration can hold; delegates such as ValidateResponse are set in code only.</summary>
    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);
    }

    private static void BindProperty(IConfigurationSection child, object target)
    {
        var property = target.GetType().GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!;
        object? value;
        if (property.PropertyType == typeof(string))
        {
            // An empty value (JSON null) resets an optional string setting.
            value = string.IsNullOrEmpty(child.Value) ? null : child.Value;
        }
        else if (string.IsNullOrWhiteSpace(child.Value))
        {
            throw new InvalidOperationException($"{child.Path} needs a value of type {property.PropertyType.Name}.");
        }
        else
        {
            value = child.Get(property.PropertyType);
        }

        property.SetValue(target, value);
    }
}
