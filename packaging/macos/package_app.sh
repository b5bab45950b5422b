#!/usr/bin/env bash
# Builds, signs and wraps the macOS app in a disk image; runs on macOS only.
#   packaging/macos/package_app.sh                  unsigned .app and .dmg (local testing)
#   CODESIGN_IDENTITY="Developer ID Application: ..." NOTARY_PROFILE=profile \
#     packaging/macos/package_app.sh                signed, notarized and stapled
set -euo pipefail
cd "$(dirname "$0")/../.."
APP="dist/Model Monitor Desktop.app"
VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
DMG="dist/model-monitor-desktop-${VERSION}.dmg"

.venv/bin/python -m PyInstaller --noconfirm packaging/app.spec
"$APP/Contents/MacOS/model-monitor-desktop" --self-test

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --deep --force --timestamp --options runtime \
    --entitlements packaging/macos/entitlements.plist --sign "$CODESIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict "$APP"
fi
rm -f "$DMG"
hdiutil create -volname "Model Monitor Desktop" -srcfolder "$APP" -ov -format UDZO "$DMG"
if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  codesign --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
fi
echo "$DMG"
