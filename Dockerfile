# The Azure Functions app as a container: the same code and locked dependencies the Flex
# Consumption deployment runs (docs/deploy.md), for hosting on Container Apps or a Premium plan,
# or for running the whole app locally in one container.
#
#   docker build -t ava-functions .
#   docker run -p 8080:8080 --env-file .env -e AzureWebJobsStorage=... ava-functions
FROM mcr.microsoft.com/azure-functions/python:4-python3.11

ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# The runtime set of the lock, hash-checked: the same versions as CI and the remote build.
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The app itself (.dockerignore keeps out what .funcignore keeps out of a deployment).
COPY . /home/site/wwwroot

# Not root: the host listens on 8080 rather than 80 (a port below 1024 needs root), and owns
# only its own folder. Azure sets WEBSITES_PORT=8080 for such an image.
RUN useradd --uid 10001 --no-create-home --home-dir /home/site ava \
    && chown -R ava /home/site
ENV ASPNETCORE_URLS=http://+:8080
USER 10001
EXPOSE 8080
