using Kron.QuartzPeer;

return await PeerCommand.RunAsync(args, CancellationToken.None);
