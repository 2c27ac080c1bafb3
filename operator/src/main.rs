use clap::Parser;

#[tokio::main]
async fn main() {
    let args = cira_operator::Args::parse();
    if let Err(error) = cira_operator::run(args).await {
        eprintln!("cira-operator: {error}");
        std::process::exit(1);
    }
}
