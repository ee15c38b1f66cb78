// The baseline of issue 15: a Bolt-JS app in Socket Mode that stores nothing. Every message
// event goes through Bolt's whole path (envelope parse, ack, authorize, global middleware,
// the message listener) and the listener does nothing. bench_net_bot_load runs it in place
// of the bot (INCIDENT_BOT_BENCH_BASELINE), so both are measured on one machine by one
// benchmark. The bench appends the bot's own arguments; they are ignored here.
//
// Environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL (the fake Slack's Web API,
// e.g. https://127.0.0.1:41234/api/), and NODE_EXTRA_CA_CERTS for the fake's test CA.
const { App, LogLevel } = require('@slack/bolt');

const app = new App({
    token: process.env.SLACK_BOT_TOKEN,
    appToken: process.env.SLACK_APP_TOKEN,
    socketMode: true,
    // Bolt passes these on to the Socket Mode client too, so apps.connections.open goes
    // to the same URL as auth.test.
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
    logLevel: LogLevel.WARN,
});

app.message(async () => {});

// The bench stops the app with SIGTERM and expects exit status 0, as from the bot.
process.on('SIGTERM', async () => {
    await app.stop();
    process.exit(0);
});

(async () => {
    await app.start();
})().catch((e) => {
    console.error(`bolt-baseline: ${e}`);
    process.exit(1);
});
