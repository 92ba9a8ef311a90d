using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>provision</c>: the merchant pre-provisions a device (POST /merchant/devices); its secrets go to the state file.</summary>
internal sealed class ProvisionCommand(CliContext cli)
{
    public Command Build()
    {
        var label = new Option<string?>("--label") { Description = "A label for the device, e.g. \"Till 1\"." };
        var model = new Option<string?>("--model") { Description = "The hardware model, e.g. PAX-A920.", DefaultValueFactory = _ => "PAX-A920" };
        var command = cli.StateCommand("provision", "Pre-provision a new device for the merchant and write its secrets to the state file.");
        command.Options.Add(label);
        command.Options.Add(model);
        cli.AddCredentials(command);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var portal = await cli.PortalAsync(result, http, ct);
            var device = await portal.ProvisionDeviceAsync(result.GetValue(label), result.GetValue(model), ct);
            var path = result.GetValue(cli.State)!;
            device.ToState().Save(path);
            output.Step(new("Provision (merchant portal)", [("device_id", device.DeviceId), ("identity_key_id", device.IdentityKey.KeyId),
                ("zmk_kcv", device.Zmk.Kcv), ("state", path)]));
            output.Finish(new { device.DeviceId, IdentityKeyId = device.IdentityKey.KeyId, ZmkKcv = device.Zmk.Kcv, State = path });
        }));
        return command;
    }
}
