; Inno Setup recipe for the Windows installer of Model Monitor Desktop. It wraps the
; PyInstaller one-folder build; see packaging/README.md ("Windows") for the steps.
;   pyinstaller --noconfirm packaging\app.spec
;   iscc packaging\windows\installer.iss          (or: iscc /DAppVersion=0.2.0 ...)

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Model Monitor Desktop"
#define AppExeName "model-monitor-desktop.exe"
; The one-folder build PyInstaller writes, relative to this script.
#define BuildDir "..\..\dist\model-monitor-desktop"

[Setup]
; Keep AppId for ever: upgrades and uninstall find earlier installs by it.
AppId={{6B0E5F3C-2D7A-4C1E-9F4B-8A1D3C5E7F20}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher={#AppName} maintainers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no administrator needed); the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=model-monitor-desktop-{#AppVersion}-setup
SetupIconFile=app.ico
UninstallDisplayIcon={app}\{#AppExeName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there; workspaces live wherever the user chose and stay.
Type: filesandordirs; Name: "{app}\_internal"
