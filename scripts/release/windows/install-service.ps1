# Installs the Tillpoint agent as a Windows service with WinSW. Run in an elevated PowerShell
# from the folder that holds node\, app\, tillpoint-service.exe (WinSW-x64.exe renamed) and
# tillpoint-service.xml:   powershell -ExecutionPolicy Bypass -File install-service.ps1
# Not yet tried on a real Windows register: see the README ("Windows registers").
$ErrorActionPreference = 'Stop'
$base = $PSScriptRoot
$data = Join-Path $env:ProgramData 'Tillpoint'
$config = Join-Path $data 'tillpoint.yaml'
$node = Join-Path $base 'node\node.exe'
$agent = Join-Path $base 'app\packages\agent\dist\tillpoint.mjs'
$winsw = Join-Path $base 'tillpoint-service.exe'

foreach ($need in @($node, $agent, $winsw)) {
  if (-not (Test-Path $need)) { throw "missing $need: see the README, Windows registers" }
}
New-Item -ItemType Directory -Force -Path $data, (Join-Path $data 'data'), (Join-Path $data 'logs') | Out-Null
if (-not (Test-Path $config)) {
  & $node $agent init --config $config --data-dir (Join-Path $data 'data')
  if ($LASTEXITCODE -ne 0) { throw 'tillpoint init failed' }
}
# The config holds the API token: Administrators and the service account only.
icacls $data /inheritance:r /grant:r 'Administrators:(OI)(CI)F' 'SYSTEM:(OI)(CI)F' 'NT AUTHORITY\LocalService:(OI)(CI)M' | Out-Null
& $node $agent doctor --config $config
& $winsw install
if ($LASTEXITCODE -ne 0) { throw 'WinSW install failed' }
Write-Host "installed the tillpoint service; edit $config, then: $winsw start   (logs in $data\logs)"
