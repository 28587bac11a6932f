# Stops and removes the Tillpoint Windows service; the config and the ledger in
# %ProgramData%\Tillpoint stay. Run in an elevated PowerShell beside tillpoint-service.exe.
$ErrorActionPreference = 'Stop'
$winsw = Join-Path $PSScriptRoot 'tillpoint-service.exe'
& $winsw stop
& $winsw uninstall
Write-Host "removed the tillpoint service; kept $env:ProgramData\Tillpoint (config and ledger)"
