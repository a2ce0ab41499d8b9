# escape=`
ARG WIN=ltsc2022
FROM --platform=windows/amd64 `
    mcr.microsoft.com/windows/servercore:${WIN}
RUN powershell -Command `
    Write-Host C:\path\with\backslashes
